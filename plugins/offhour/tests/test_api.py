"""The /offhour API over HTTP as the NethVoice clients call it, on SQLite and on MariaDB with NethVoice's tables:
what each off-hour level sees and may change, announcements uploaded, recorded, listened, modified, deleted, and
the copy of the rules the demo dialplan reads (AstDB)."""

import base64
import shutil
import subprocess
import wave
from datetime import datetime

from nethcti_ami.testing import wait_until
from nethcti_offhour.testing import tone
from sqlalchemy import select

from tests.demopbx_fixtures import skip_or_fail

ALICE_ROUTE = {"calledIdNum": "0721405516", "callerIdNum": ""}
MAIN_ROUTE = {"calledIdNum": "0721405500", "callerIdNum": ""}


def wav_uri(data: bytes, mime: str = "audio/wav") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


async def upload(api, description: str, user: str = "alice", privacy: str = "public") -> int:
    assert await api.post("upload_announcement", {"description": description, "privacy": privacy,
                                                  "audio_content": wav_uri(tone(0.2))}, user) == {}
    return next(a["id"] for a in await api.get("list_announcement", "carol") if a["description"] == description)


async def rule_row(api, did: str, cid: str = ""):
    t = api.store.offhour.c
    async with api.store.asterisk.connect() as conn:
        return (await conn.execute(select(api.store.offhour).where(t.didextension == did, t.didcidnum == cid))).first()


async def test_each_level_sees_its_inbound_routes(api):
    async with api() as api:
        assert set(await api.get("list", "alice")) == {"0721405516/"}            # her direct route only
        assert set(await api.get("list", "bob")) == {"0721405517/", "0721405500/"}  # his + generic ones
        assert set(await api.get("list", "carol")) == {"0721405516/", "0721405517/", "0721405500/",
                                                       "0721405500/0612345678"}
        assert (await api.get("list", "dave", 403))["error_id"] == "offhour-forbidden"
        assert (await api.get("list", "alice"))["0721405516/"] == {
            "calledIdNum": "0721405516", "callerIdNum": "", "destination": "from-did-direct,201,1",
            "description": "Alice's line"}
        response = await api.client.get("/webrest/offhour/list")
        assert response.status_code == 401


async def test_an_uploaded_wav_becomes_an_8khz_mono_announcement(api):
    async with api() as api:
        stereo = wav_uri(tone(0.3, rate=16000, channels=2))
        assert await api.post("upload_announcement", {"description": "Holidays", "privacy": "private",
                                                      "audio_content": stereo}) == {}
        [listed] = await api.get("list_announcement")
        assert listed["username"] == "alice" and listed["description"] == "Holidays" and listed["privacy"] == "private"
        assert datetime.strptime(f"{listed['date_creation']} {listed['time_creation']}", "%d/%m/%Y %H:%M:%S")
        [stored] = list(api.sounds.iterdir())
        assert stored.name.startswith("alice-cti-") and stored.suffix == ".wav"
        with wave.open(str(stored)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        audio = base64.b64decode(await api.get(f"listen_announcement/{listed['id']}"))
        assert audio == stored.read_bytes()

        # the same description twice is a conflict; nothing more is stored
        again = await api.post("upload_announcement", {"description": "Holidays", "privacy": "public",
                                                       "audio_content": wav_uri(tone(0.1))}, status=409)
        assert again["error_id"] == "announcement-exists" and len(list(api.sounds.iterdir())) == 1


async def test_an_mp3_is_converted_by_mpg123(api, tmp_path):
    for tool in ("lame", "mpg123"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is not installed (scripts/setup installs it)")
    (tmp_path / "tone.wav").write_bytes(tone(1.0, rate=44100, channels=2))
    subprocess.run(["lame", "--quiet", str(tmp_path / "tone.wav"), str(tmp_path / "tone.mp3")], check=True)
    async with api() as api:
        content = wav_uri((tmp_path / "tone.mp3").read_bytes(), "audio/mpeg")
        await api.post("upload_announcement", {"description": "From an MP3", "privacy": "public",
                                               "audio_content": content})
        [stored] = list(api.sounds.iterdir())
        with wave.open(str(stored)) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
            assert 0.9 < wav.getnframes() / 8000 < 1.2  # the second of tone (the decoder pads a little)
        bad = await api.post("upload_announcement", {"description": "Not an MP3", "privacy": "public",
                                                     "audio_content": wav_uri(b"ID3\x03" + bytes(100), "audio/mpeg")},
                             status=400)
        assert bad["error_id"] == "unsupported-audio"


async def test_bad_uploads_are_refused_naming_the_problem(api, monkeypatch, tmp_path):
    async with api() as api:
        body = {"description": "x", "privacy": "public"}
        monkeypatch.setenv("PATH", str(tmp_path))  # a server without mpg123 says so
        mp3 = await api.post("upload_announcement", {**body, "audio_content": wav_uri(b"ID3\x03" + bytes(100),
                                                                                      "audio/mpeg")}, status=400)
        assert mp3["error_id"] == "unsupported-audio" and "mpg123" in mp3["message"]
        monkeypatch.undo()
        for content in (wav_uri(b"not a wav"), "data:audio/wav;base64,@@@", wav_uri(tone(0.1), "video/mp4"),
                        base64.b64encode(tone(0.1)).decode()):
            assert (await api.post("upload_announcement", {**body, "audio_content": content},
                                   status=400))["error_id"] == "unsupported-audio"
        huge = wav_uri(bytes(9 << 20))
        assert (await api.post("upload_announcement", {**body, "audio_content": huge}, status=413))["error_id"] \
            == "audio-too-large"
        for field, value in (("privacy", "secret"), ("description", ""), ("description", "two\nlines")):
            reply = await api.post("upload_announcement", {**body, field: value, "audio_content": wav_uri(tone(0.1))},
                                   status=400)
            assert list(reply["details"]) == [field]
        assert list((await api.post("upload_announcement", body, status=400))["details"]) == ["audio_content"]
        assert (await api.post("upload_announcement", {**body, "audio_content": wav_uri(tone(0.1))}, "dave",
                               403))["error_id"] == "offhour-forbidden"
        assert list(api.sounds.iterdir()) == []


async def test_an_off_hour_rule_is_written_where_freepbx_and_the_dialplan_read_it(api):
    async with api() as api:
        announcement = await upload(api, "Closed")
        assert await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "always", "action": "audiomsg",
                                              "announcement_id": str(announcement)}) == {}
        row = await rule_row(api, "0721405516")
        [stored] = list(api.sounds.iterdir())
        assert (row.enabled, row.action, row.param, row.message, row.tsbegin, row.tsend, row.displayname) == \
            (1, 0, str(announcement), f"nethcti/{stored.stem}", 0, 0, "Alice's line")
        offhour = (await api.get("list"))["0721405516/"]["offhour"]
        assert offhour == {"calledIdNum": "0721405516", "callerIdNum": "", "action": "audiomsg", "enabled": "always",
                           "audiomsg": {"announcement_id": str(announcement), "description": "Closed",
                                        "privacy": "public", "username": "alice"}}
        put = api.fake.actions("DBPut")[-1]
        assert (put["Family"], put["Key"]) == ("OFFHOUR", "0721405516")
        assert put["Val"] == f"1|0|0|0|{announcement}|{stored.with_suffix('')}"

        # a period, then announcement + voicemail
        start, end = "2026-12-24T18:00:00+00:00", "2026-12-27T08:00:00+00:00"
        assert await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "period", "start_date": start,
                                              "end_date": end, "action": "audiomsg_voicemail",
                                              "announcement_id": announcement, "voicemail_id": "201"}) == {}
        offhour = (await api.get("list"))["0721405516/"]["offhour"]
        assert offhour["enabled"] == "period" and offhour["voicemail"] == {"voicemail_id": "201"}
        assert offhour["period"] == {"datebegin": "2026-12-24T18:00:00.000Z", "dateend": "2026-12-27T08:00:00.000Z"}
        row = await rule_row(api, "0721405516")
        assert (row.enabled, row.action, row.param) == (2, 1, "201")
        assert row.tsbegin == int(datetime.fromisoformat(start).timestamp())

        # never: switched off, the rest kept; redirect by an admin on a generic route
        assert await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "never"}) == {}
        assert (await rule_row(api, "0721405516")).enabled == 0
        assert await api.post("set_offhour", {**MAIN_ROUTE, "enabled": "always", "action": "redirect",
                                              "redirect_to": "202"}, "carol") == {}
        main = (await api.get("list", "carol"))["0721405500/"]["offhour"]
        assert main["redirect"] == {"redirect_to": "202"} and main["action"] == "redirect"
        keys = {put["Key"]: put["Val"] for put in api.fake.actions("DBPut")[-2:]}
        assert keys["0721405500"] == "1|0|0|2|202|"


async def test_set_offhour_checks_routes_announcements_and_voicemail_per_level(api):
    async with api() as api:
        mine = await upload(api, "Alice's", privacy="private")
        bobs = await upload(api, "Bob's", "bob", privacy="private")
        public = await upload(api, "Everyone's", "bob")
        audiomsg = {"enabled": "always", "action": "audiomsg"}

        def forbidden(reply):
            return reply["error_id"] == "offhour-forbidden"

        # basic: only her direct route, her or public announcements, her voicemail
        assert forbidden(await api.post("set_offhour", {**MAIN_ROUTE, **audiomsg, "announcement_id": mine}, status=403))
        assert forbidden(await api.post("set_offhour", {**ALICE_ROUTE, **audiomsg, "announcement_id": bobs},
                                        status=403))
        assert await api.post("set_offhour", {**ALICE_ROUTE, **audiomsg, "announcement_id": public}) == {}
        assert forbidden(await api.post("set_offhour", {**ALICE_ROUTE, **audiomsg, "action": "audiomsg_voicemail",
                                                        "announcement_id": mine, "voicemail_id": "202"}, status=403))
        # advanced: generic routes too, not another user's direct one
        assert await api.post("set_offhour", {**MAIN_ROUTE, **audiomsg, "announcement_id": bobs}, "bob") == {}
        assert forbidden(await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "never"}, "bob", 403))
        # admin: anything; dave: nothing
        assert await api.post("set_offhour", {**ALICE_ROUTE, **audiomsg, "announcement_id": bobs}, "carol") == {}
        assert forbidden(await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "never"}, "dave", 403))

        missing = await api.post("set_offhour", {"calledIdNum": "999", "callerIdNum": "", "enabled": "never"},
                                 "carol", 404)
        assert missing["error_id"] == "no-such-inbound-route"
        assert (await api.post("set_offhour", {**ALICE_ROUTE, **audiomsg, "announcement_id": 9999}, status=404))[
            "error_id"] == "no-such-announcement"


async def test_set_offhour_names_the_bad_field(api):
    async with api() as api:
        cases = [({"enabled": "sometimes"}, "enabled"),
                 ({"enabled": "period", "start_date": "2026-12-24T18:00:00"}, "end_date"),
                 ({"enabled": "period", "start_date": "yesterday", "end_date": "2026-12-24T18:00:00"}, "start_date"),
                 ({"enabled": "period", "start_date": "2026-12-24T18:00:00", "end_date": "2026-12-23T18:00:00"},
                  "end_date"),
                 ({"enabled": "always", "action": "audiomsg"}, "announcement_id"),
                 ({"enabled": "always", "action": "redirect"}, "redirect_to"),
                 ({"enabled": "always", "action": "redirect", "redirect_to": "202\r\nAction: Command"}, "redirect_to"),
                 ({"enabled": "always", "action": "explode"}, "action"),
                 ({"enabled": "always", "calledIdNum": "07|21"}, "calledIdNum")]
        for extra, field in cases:
            reply = await api.post("set_offhour", {**ALICE_ROUTE, **extra}, status=400)
            assert list(reply["details"]) == [field], (extra, reply)
        assert list((await api.post("set_offhour", {"enabled": "never"}, status=400))["details"]) == \
            ["calledIdNum", "callerIdNum"]


async def test_private_announcements_are_their_owner_s_and_the_admin_s(api):
    async with api() as api:
        private = await upload(api, "Secret", privacy="private")
        public = await upload(api, "Open")
        assert {a["id"] for a in await api.get("list_announcement", "bob")} == {public}
        assert {a["id"] for a in await api.get("list_announcement", "carol")} == {private, public}
        assert (await api.get(f"listen_announcement/{private}", "bob", 403))["error_id"] == "offhour-forbidden"
        assert await api.get(f"listen_announcement/{private}", "carol")
        assert (await api.get("list_announcement", "dave", 403))["error_id"] == "offhour-forbidden"
        assert (await api.get("listen_announcement/abc", status=400))["details"] == {"id": ["String does not match "
                                                                                          "expected pattern."]}
        assert (await api.get("listen_announcement/4242", status=404))["error_id"] == "no-such-announcement"

        # a one-shot download through /static
        name = await api.get(f"download_announcement/{public}", "bob")
        response = await api.client.get(f"/webrest/static/{name}")
        assert response.status_code == 200
        assert await response.get_data() == base64.b64decode(await api.get(f"listen_announcement/{public}"))
        assert (await api.client.get(f"/webrest/static/{name}")).status_code == 404


async def test_only_the_owner_modifies_or_deletes_and_deleting_drops_the_rules_playing_it(api):
    async with api() as api:
        announcement = await upload(api, "Lunch")
        assert await api.post("modify_announcement", {"id": announcement, "privacy": "private"}) == {}
        assert await api.post("modify_announcement", {"id": str(announcement), "description": "Lunch break"}) == {}
        [row] = await api.get("list_announcement")
        assert (row["description"], row["privacy"]) == ("Lunch break", "private")
        for user in ("bob", "carol"):  # as the original: the owner only, admins too
            assert (await api.post("modify_announcement", {"id": announcement, "privacy": "public"}, user,
                                   403))["error_id"] == "offhour-forbidden"
            assert (await api.post("delete_announcement", {"id": announcement}, user, 403))["error_id"] == \
                "offhour-forbidden"
        assert list((await api.post("modify_announcement", {"id": announcement}, status=400))["details"]) == \
            ["description"]
        assert list((await api.post("modify_announcement", {"id": announcement, "privacy": "x"},
                                    status=400))["details"]) == ["privacy"]

        await api.post("set_offhour", {**ALICE_ROUTE, "enabled": "always", "action": "audiomsg",
                                       "announcement_id": announcement})
        assert "0721405516" in {put["Key"] for put in api.fake.actions("DBPut")}
        puts = len(api.fake.actions("DBPut"))
        assert await api.post("delete_announcement", {"id": announcement}) == {}
        assert await api.get("list_announcement") == []
        assert list(api.sounds.iterdir()) == []
        assert await rule_row(api, "0721405516") is None
        assert "offhour" not in (await api.get("list"))["0721405516/"]
        assert len(api.fake.actions("DBPut")) == puts and api.fake.actions("DBDelTree")  # AstDB rewritten, empty
        assert (await api.post("delete_announcement", {"id": announcement}, status=404))["error_id"] == \
            "no-such-announcement"


async def test_record_calls_the_phone_and_enable_keeps_the_recording(api):
    async with api() as api:
        started = await api.post("record_announcement", {})
        name = started["tempFilename"]
        assert name.startswith("alice-cti-") and name.endswith(".wav")
        originate = api.fake.actions("Originate")[-1]
        assert (originate["Channel"], originate["Application"]) == ("PJSIP/201", "Record")
        assert originate["Data"] == f"{api.records / name},0,120,k"
        assert (await api.post("record_announcement", {}, "dave", 403))["error_id"] == "offhour-forbidden"

        # Asterisk wrote the recording; alice keeps it
        (api.records / name).write_bytes(tone(0.2))
        body = {"tempFilename": name, "description": "Recorded", "privacy": "public"}
        assert (await api.post("enable_announcement", body, "bob", 404))["error_id"] == "no-such-recording"
        assert await api.post("enable_announcement", body) == {}
        assert not (api.records / name).exists()
        [stored] = list(api.sounds.iterdir())
        assert stored.read_bytes() == tone(0.2)
        assert [a["description"] for a in await api.get("list_announcement")] == ["Recorded"]
        assert (await api.post("enable_announcement", body, status=404))["error_id"] == "no-such-recording"
        for hostile in ("../../etc/passwd.wav", "/etc/x.wav", "alice-cti-1.txt"):
            reply = await api.post("enable_announcement", {**body, "tempFilename": hostile}, status=400)
            assert list(reply["details"]) == ["tempFilename"]


async def test_the_astdb_copy_is_rewritten_when_asterisk_comes_back(api):
    async with api() as api:
        await api.post("set_offhour", {**MAIN_ROUTE, "enabled": "always", "action": "redirect",
                                       "redirect_to": "203"}, "carol")
        port = api.fake.port
        await api.fake.stop()
        ami = api.app.extensions["ami"]
        await wait_until(lambda: not ami.connected, "the link is down")
        api.fake.received.clear()
        await api.fake.start(port)
        await wait_until(lambda: ami.connected and api.fake.actions("DBPut"), "the rules are copied again", 15)
        assert api.fake.actions("DBPut")[-1]["Val"] == "1|0|0|2|203|"
