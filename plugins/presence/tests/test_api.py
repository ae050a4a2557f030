"""The /user API over HTTP, logged in as the NethVoice clients do, on a fake AMI that keeps an AstDB and
answers the model's loading as the demo PBX did (recorded)."""

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
from nethcti_ami.testing import wait_until

from nethcti import hookimpl

SAMPLES = Path(__file__).with_name("samples")
CELL = "0612345678"


def sample(name: str):
    return json.loads((SAMPLES / f"user_{name}.json").read_text())


def sample_users(tmp_path) -> str:
    """users.json / profiles.json of the PBX the samples were recorded on (alice 201, bob 202, carol 203)."""
    profile = json.loads(json.dumps(sample("me")["profile"]))
    profile["macro_permissions"]["remote_sites"] = {"value": True, "permissions": []}  # hidden by /user/me
    users = {
        username.capitalize(): {"name": name, "profile_id": "3", "endpoints": {
            "mainextension": {exten: {}}, "extension": {exten: {"type": "physical"}}, "voicemail": {exten: {}}}}
        for username, name, exten in (("alice", "Alice Rossi", "201"), ("bob", "Bob Bianchi", "202"),
                                      ("carol", "Carol Verdi", "203"))
    }
    (tmp_path / "users.json").write_text(json.dumps(users))
    (tmp_path / "profiles.json").write_text(json.dumps({"3": profile}))
    return (f'[users]\nenabled = true\nusers_file = "{tmp_path / "users.json"}"\n'
            f'profiles_file = "{tmp_path / "profiles.json"}"\n')


async def test_json_is_the_original_s(api, tmp_path):
    async with api(users=sample_users(tmp_path)) as api:
        assert await api.get("me") == sample("me")
        assert await api.get("endpoints/all") == sample("endpoints_all")
        assert await api.get("presence") == sample("presence")
        assert await api.get("presencelist") == sample("presencelist")
        assert await api.get("all_avatars") == sample("all_avatars")
        assert await api.get("paramurl") == sample("paramurl")
        assert await api.get("presence_onbusy") == await api.get("presence_onunavailable") == {"status": "online"}
        assert await api.get("presencelist_onbusy") == ["online", "voicemail", "cellphone", "callforward"]
        assert await api.get("presencelist_onunavailable") == ["online", "voicemail", "cellphone", "callforward"]


async def test_endpoints_show_sip_credentials_only_to_their_owner(api):
    async with api() as api:
        me = await api.get("me")
        webrtc = next(e for e in me["endpoints"]["extension"] if e["id"] == "91201")
        assert webrtc == {"id": "91201", "type": "webrtc", "description": None, "username": "91201",
                          "secret": "sip-secret", "actions": {"answer": True, "dtmf": True, "hold": True},
                          "proxy_port": None}
        assert me["endpoints"]["cellphone"] == [{"id": CELL}] and me["endpoints"]["voicemail"] == [{"id": "201"}]
        assert me["default_device"]["id"] == "201"
        seen_by_bob = (await api.get("endpoints/all", "bob"))["alice"]["endpoints"]["extension"]
        assert [(e["id"], e["secret"]) for e in seen_by_bob] == [("201", ""), ("91201", "")]
        assert set(await api.get("endpoints/all")) == {"alice", "bob", "carol", "dave"}
        assert await api.get("all") == await api.get("endpoints/all")


async def test_each_presence_is_written_to_every_extension_in_order(api):
    async with api() as api:
        await api.post("presence", {"status": "dnd"})
        assert [(a["Action"], a.get("Family"), a.get("Key"), a.get("Val"), a.get("Command")) for a in
                api.sent("DBPut", "DBDel", "Command")] == [
            ("DBDel", "CF", "201", None, None), ("DBPut", "DND", "201", "YES", None),
            ("Command", None, None, None, "devstate change Custom:DND201 BUSY"),
            ("DBDel", "CF", "91201", None, None), ("DBPut", "DND", "91201", "YES", None),
            ("Command", None, None, None, "devstate change Custom:DND91201 BUSY"),
            ("Command", None, None, None, "presencestate change CustomPresence:201 DND"),
        ]
        assert await api.get("presence") == {"status": "dnd"}
        assert api.probe.calls == [("alice", "presence", "dnd", None), ("alice", "mainPresence", "dnd", None)]
        astproxy = api.app.extensions["astproxy"]
        assert astproxy.extension("201").dnd and astproxy.extension("91201").dnd

        expected = {
            ("callforward", "+39 (0721) 40-50.60"): ({"CF/201": "00390721405060", "CF/91201": "00390721405060"},
                                                     {"status": "callforward", "to": "00390721405060"}),
            ("cellphone", None): ({"CF/201": CELL, "CF/91201": CELL}, {"status": "cellphone"}),
            ("voicemail", None): ({"CF/201": "vmu201", "CF/91201": "vmu201"}, {"status": "voicemail"}),
            ("online", None): ({}, {"status": "online"}),
        }
        for (status, to), (astdb, presence) in expected.items():
            api.probe.calls.clear()
            await api.post("presence", {"status": status, "to": to} if to else {"status": status})
            assert api.astdb.values == astdb, status
            assert await api.get("presence") == presence
            assert api.probe.calls == [("alice", "presence", presence["status"], presence.get("to")),
                                       ("alice", "mainPresence", presence["status"], presence.get("to"))]
            assert (await api.get("me"))["presence"] == presence["status"]
        assert api.sent("Command")[-1]["Command"] == "presencestate change CustomPresence:201 AVAILABLE"
        assert (await api.get("endpoints/all", "bob"))["alice"]["mainPresence"] == "online"

        api.probe.calls.clear()
        await api.post("presence", {"status": "online"})  # nothing changes: no hook
        assert api.probe.calls == []


async def test_presence_on_busy_and_on_unavailable(api):
    async with api() as api:
        await api.post("presence_onbusy", {"status": "callforward", "to": "203"})
        await api.post("presence_onunavailable", {"status": "voicemail"})
        assert api.astdb.values == {"CFB/201": "203", "CFB/91201": "203", "CFU/201": "vmu201", "CFU/91201": "vmu201"}
        assert await api.get("presence_onbusy") == {"status": "callforward", "to": "203"}
        assert await api.get("presence_onunavailable") == {"status": "voicemail"}
        assert await api.get("presence") == {"status": "online"}  # the unconditional presence is untouched
        me = await api.get("me")
        assert (me["presenceOnBusy"], me["presenceOnUnavailable"], me["mainPresence"]) == (
            "callforward", "voicemail", "online")
        assert api.probe.calls == [("alice", "presence_onbusy", "callforward", "203"),
                                   ("alice", "presence_onunavailable", "voicemail", None)]
        await api.post("presence_onbusy", {"status": "cellphone"})
        await api.post("presence_onunavailable", {"status": "online"})
        assert api.astdb.values == {"CFB/201": CELL, "CFB/91201": CELL}
        assert await api.get("presence_onbusy") == {"status": "cellphone"}
        assert api.sent("Command") == []  # no CustomPresence for these


@pytest.mark.parametrize("path, body, user, status, error_id, field", [
    ("presence", {"status": "away"}, "alice", 400, "invalid-request", "status"),
    ("presence", {}, "alice", 400, "invalid-request", "status"),
    ("presence", {"status": "callforward"}, "alice", 400, "invalid-request", "to"),
    ("presence", {"status": "callforward", "to": "20\r\n3"}, "alice", 400, "invalid-request", "to"),
    ("presence", {"status": "callforward", "to": "abc"}, "alice", 400, "invalid-request", "to"),
    ("presence", {"status": "voicemail"}, "dave", 400, "no-voicemail", "status"),
    ("presence", {"status": "cellphone"}, "dave", 400, "no-cellphone", "status"),
    ("presence", {"status": "dnd"}, "carol", 403, "permission-denied", "permission"),
    ("presence", {"status": "callforward", "to": "203"}, "bob", 403, "permission-denied", "permission"),
    ("presence", {"status": "voicemail"}, "bob", 403, "permission-denied", "permission"),
    ("presence_onbusy", {"status": "dnd"}, "alice", 400, "invalid-request", "status"),
    ("presence_onbusy", {"status": "callforward"}, "alice", 400, "invalid-request", "to"),
    ("presence_onunavailable", {"status": "voicemail"}, "dave", 400, "no-voicemail", "status"),
    ("presence_onunavailable", {"status": "cellphone"}, "bob", 403, "permission-denied", "permission"),
    ("default_device", {"id": "202"}, "alice", 403, "not-your-extension", "id"),
    ("default_device", {}, "alice", 400, "invalid-request", "id"),
    ("settings", {}, "alice", 400, "invalid-request", "settings"),
    ("settings", {"bad key": 1}, "alice", 400, "invalid-request", "bad key"),
    ("mobile", {"number": "333-12"}, "alice", 400, "invalid-request", "number"),
    ("mobile", {"number": "3331234567"}, "alice", 503, "mobile-not-configured", None),
])
async def test_refused_requests_name_the_field_and_write_nothing(api, path, body, user, status, error_id, field):
    async with api() as api:
        error = await api.post(path, body, user, status)
        assert error["error_id"] == error_id
        if field is not None:
            assert field in error["details"], error
        assert api.sent("DBPut", "DBDel", "Command") == [] and api.probe.calls == []


async def test_presence_lists_follow_the_profile_and_the_endpoints(api):
    async with api() as api:
        assert await api.get("presencelist") == ["online", "dnd", "callforward", "cellphone", "voicemail"]
        assert await api.get("presencelist", "bob") == ["online", "dnd"]
        assert await api.get("presencelist", "carol") == ["online"]
        assert await api.get("presencelist", "dave") == ["online", "dnd", "callforward"]


async def test_a_change_made_on_one_phone_is_mirrored_to_the_other(api):
    async with api() as api:
        await api.fake.push({"Event": "Newexten", "Channel": "PJSIP/91201-00000001", "Application": "Set",
                             "AppData": "DB(CF/91201)=203"})  # *72203 dialled on 91201
        await wait_until(lambda: api.astdb.values.get("CF/201") == "203", "CF/201 follows CF/91201")
        await wait_until(lambda: api.probe.calls, "the presence is announced")
        assert api.probe.calls == [("alice", "presence", "callforward", "203"),
                                   ("alice", "mainPresence", "callforward", "203")]
        assert await api.get("presence") == {"status": "callforward", "to": "203"}
        assert [a["Action"] for a in api.sent("DBPut", "DBDel")] == ["DBPut"]  # 91201 itself is not written


async def test_settings_are_stored_and_read_back_as_the_original(api):
    async with api() as api:
        emitted = []

        async def emit(event, data=None, to=None, **kwargs):
            emitted.append((event, data, to))

        api.app.extensions["presence.user"].emit = emit
        values = {"open_ccard": "ringing", "queue_auto_login": True, "ccard_order": ["a", "b"], "n": 5,
                  "caller_info": {"x": None}, "nothing": None, "avatar": "data:image/png;base64,AAAA"}
        assert await api.post("settings", values) == {}
        stored = {**values, "n": "5"}  # numbers come back as strings, as from the original's table
        assert (await api.get("me"))["settings"] == stored
        assert await api.get("settings") == stored
        assert await api.get("all_avatars", "bob") == {"alice": "data:image/png;base64,AAAA"}
        assert emitted == [("userProfileAvatarUpdate", {"username": "alice", "avatar": "data:image/png;base64,AAAA"},
                            "everyone")]
        await api.post("settings", {"n": "six"})
        await api.delete("setting/avatar")
        assert emitted[-1] == ("userProfileAvatarUpdate", {"username": "alice"}, "everyone")
        assert "avatar" not in (await api.get("me"))["settings"] and (await api.get("settings"))["n"] == "six"
        assert await api.get("all_avatars") == {}
        await api.delete("settings")
        assert (await api.get("me"))["settings"] == {}


async def test_settings_are_bounded_per_value_key_count_and_user(api):
    """Six 15 MB values once made every GET /user/me 90 MB; now each write that would pass a limit is a 400."""
    limits = "settings_max_keys = 5\nsettings_max_value_bytes = 2048\nsettings_max_total_bytes = 5000\n"
    async with api(extra=f"[presence]\n{limits}") as api:
        error = await api.post("settings", {"big": "x" * 2049}, status=400)
        assert "big" in error["details"]
        await api.post("settings", {"a": "x" * 2000, "b": "x" * 2000})
        error = await api.post("settings", {"c": "x" * 1500}, status=400)  # 5500 bytes in all
        assert "settings" in error["details"]
        await api.post("settings", {"a": "x" * 500, "c": "x" * 1500})  # replacing a value frees its room
        await api.post("settings", {"d": 1, "e": 2})
        error = await api.post("settings", {"f": 3}, status=400)  # a sixth key
        assert "settings" in error["details"]
        assert sorted(await api.get("settings")) == ["a", "b", "c", "d", "e"]
        long_key = "k" * 100_000
        response = await api.client.post("/webrest/user/settings", json={long_key: 1}, headers=api.logins["alice"])
        assert response.status_code == 400 and len(await response.get_data()) < 1000
        await api.post("settings", {"k" * 51: 1}, status=400)  # the original's key_name is 50 characters


async def test_default_device(api):
    async with api() as api:
        alice = api.app.extensions["users"].get("alice")
        assert api.app.extensions["astproxy"].default_extension(alice) is None
        await api.post("default_device", {"id": "91201"})
        me = await api.get("me")
        assert me["default_device"]["id"] == "91201" and me["settings"] == {"default_extension": "91201"}
        assert api.app.extensions["astproxy"].default_extension(alice) == "91201"  # astproxy's calls start there


async def test_mobile_number_and_param_url_in_the_nethvoice_database(api, tmp_path):
    database = tmp_path / "asterisk.db"
    with sqlite3.connect(database) as db:
        db.executescript("""
            CREATE TABLE userman_users (id INTEGER PRIMARY KEY, username TEXT);
            CREATE TABLE rest_users (id INTEGER PRIMARY KEY, user_id INTEGER UNIQUE, profile_id INTEGER, mobile TEXT);
            CREATE TABLE rest_cti_profiles_paramurl (id INTEGER PRIMARY KEY, profile_id INTEGER, url TEXT,
                                                     only_queues INTEGER);
            INSERT INTO userman_users VALUES (1, 'alice'), (2, 'bob');
            INSERT INTO rest_users (user_id, profile_id) VALUES (2, 1);
            INSERT INTO rest_cti_profiles_paramurl VALUES (7, 'full', 'https://crm.example/?n=$CALLER_NUMBER', 0);
        """)
    marker = tmp_path / "retrieved"
    script = tmp_path / "retrieveHelper.sh"
    script.write_text(f"#!/bin/sh\necho done >> {marker}\n")
    os.chmod(script, 0o755)
    extra = f'[presence]\nasterisk_db_url = "sqlite+aiosqlite:///{database}"\nmobile_script = "{script}"\n'
    async with api(extra=extra) as api:
        await api.post("mobile", {"number": "3331234567"})
        await api.post("mobile", {"number": 3339999999}, "bob")
        assert (await api.post("mobile", {"number": "3"}, "carol", 404))["error_id"] == "no-such-pbx-user"
        assert await api.get("paramurl") == {"id": 7, "profile_id": "full",
                                             "url": "https://crm.example/?n=$CALLER_NUMBER", "only_queues": 0}
        assert await api.get("paramurl", "bob") == {}
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT user_id, mobile FROM rest_users ORDER BY user_id").fetchall()
    assert rows == [(1, "3331234567"), (2, "3339999999")]
    assert marker.read_text() == "done\ndone\n"


async def test_nethvoice_files_and_their_reload(api, tmp_path):
    recall = tmp_path / "recallonbusy.json"
    recall.write_text(json.dumps({"Alice": {"recallonbusy": "enabled"}, "bob": {"recallonbusy": "disabled"}}))
    subscription = tmp_path / "subscription"
    subscription.write_text("SYSTEMID=abc\nSECRET='s3cret'\n")
    extra = (f'[presence]\nrecallonbusy_file = "{recall}"\nsubscription_file = "{subscription}"\n'
             'chat_url = "https://chat.example/http-bind"\n')
    async with api(extra=extra) as api:
        me = await api.get("me")
        assert me["recallOnBusy"] == "enabled" and (await api.get("me", "bob"))["recallOnBusy"] == "disabled"
        assert me["lkhash"] == hashlib.sha256(b"abc:s3cret").hexdigest()
        assert me["endpoints"]["jabber"] == [{"id": "alice@chat.example", "server": "https://chat.example/http-bind"}]
        assert (await api.get("endpoints/all"))["alice"]["endpoints"]["jabber"] == [{"id": "alice@chat.example"}]

        recall.write_text("{not json")
        await api.app.pm.acall_each("reload", app=api.app)  # a broken file: the previous values stay
        assert (await api.get("me"))["recallOnBusy"] == "enabled"
        recall.write_text(json.dumps({}))
        await api.app.pm.acall_each("reload", app=api.app)
        assert (await api.get("me"))["recallOnBusy"] == "disabled"


async def test_recall_on_busy_only_for_users_whose_recallonbusy_json_enables_it(api, tmp_path):
    recall = tmp_path / "recallonbusy.json"
    recall.write_text(json.dumps({"alice": {"recallonbusy": "enabled"}, "bob": {"recallonbusy": "disabled"}}))

    async def recall_on_busy(user: str, caller: str, called: str):
        await api.get("me", user)  # logged in
        response = await api.client.post("/webrest/astproxy/recall_on_busy", headers=api.logins[user],
                                         json={"caller": caller, "called": called})
        return response.status_code, await response.get_json()

    async with api(extra=f'[presence]\nrecallonbusy_file = "{recall}"\n') as api:
        status, refused = await recall_on_busy("bob", "202", "201")
        assert (status, refused["error_id"], refused["details"]) == (403, "recall-on-busy-disabled", {"caller": "202"})
        assert api.sent("DBGet", "DBPut") == []  # nothing reached Asterisk
        assert await recall_on_busy("alice", "201", "202") == (200, {"waitingExtensions": 1})
        assert api.astdb.values["ROB/202"] == "201"


async def test_a_reload_announces_what_changed_meanwhile(api):
    async with api() as api:
        astproxy = api.app.extensions["astproxy"]
        loads = astproxy.loads
        api.fake.answer("DBGetTree", lambda fields: [
            {"Response": "Success", "EventList": "start", "Message": "Result will follow"},
            *([{"Event": "DBGetTreeResponse", "Key": f"/DND/{exten}", "Val": "YES"} for exten in ("201", "91201")]
              if fields["Family"] == "DND" else []),
            {"Event": "DBGetTreeComplete", "EventList": "Complete"},
        ])
        await astproxy.request_load()  # as after an AMI reconnection: DND was set while the link was down
        assert astproxy.loads == loads + 1
        await api.app.hooks_idle()
        assert api.probe.calls == [("alice", "presence", "dnd", None), ("alice", "mainPresence", "dnd", None)]
        assert await api.get("presence") == {"status": "dnd"}


class Undo:
    """A plugin that does not let bob be in DND: it sets him back online from inside the hook."""

    @hookimpl
    async def user_presence_changed(self, app, username, kind, status, to):
        if (username, kind, status) == ("bob", "presence", "dnd"):
            await app.extensions["presence"].set_presence(app.extensions["users"].get("bob"), "online")


async def test_a_hook_may_change_the_presence_again(api):
    async with api(plugins=[("undo", Undo())]) as api:
        await api.post("presence", {"status": "dnd"}, "bob")
        await api.app.hooks_idle()  # the undo plugin hears of it on its own queue, then sets bob online
        assert api.probe.calls == [("bob", "presence", "dnd", None), ("bob", "mainPresence", "dnd", None),
                                   ("bob", "presence", "online", None), ("bob", "mainPresence", "online", None)]
        assert api.astdb.values == {} and await api.get("presence", "bob") == {"status": "online"}
