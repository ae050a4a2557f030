"""The /voicemail API over HTTP, as the NethVoice clients call it, on each storage (spool files, the ODBC table on
SQLite and MariaDB): lists, listening (INBOX -> Old), deleting (renumbered), greetings, ownership, hostile ids."""

import base64
import io
import re
import wave

from nethcti_ami.testing import wait_until
from nethcti_voicemail.testing import tone

from nethcti.testing import running_app

ALICE_ROOM, EVERYONE = "user:alice", "everyone"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def three_new_one_old(store):
    """alice's box 201: INBOX 1000, 1001, 1002 (msg0000-0002), Old 900; bob's 202: INBOX 2000."""
    ids = {t: await store.add("201", "INBOX", n, t, audio=tone(0.1, hz=300 + n)) for n, t in enumerate((1000, 1001,
                                                                                                        1002))}
    ids[900] = await store.add("201", "Old", 0, 900)
    ids[2000] = await store.add("202", "INBOX", 0, 2000, callerid='"Alice Rossi" <201>')
    return ids


async def test_list_has_the_original_s_rows_newest_first(api):
    async with api() as api:
        ids = await three_new_one_old(api.store)
        listed = await api.get("list/all")
        assert listed["count"] == 4
        assert [row["id"] for row in listed["rows"]] == [ids[1002], ids[1001], ids[1000], ids[900]] or \
            [str(row["id"]) for row in listed["rows"]] == [ids[1002], ids[1001], ids[1000], ids[900]]
        assert listed["rows"][0] == {"origtime": "1002", "duration": "3", "id": listed["rows"][0]["id"],
                                     "dir": api.store.dir_of("201", "INBOX"), "callerid": '"Carol Verdi" <203>',
                                     "mailboxuser": "201", "type": "inbox"}
        assert listed["rows"][3]["type"] == "old"
        assert [row["origtime"] for row in (await api.get("list/old"))["rows"]] == ["900"]
        page = await api.get("list/inbox?offset=1&limit=1")
        assert page["count"] == 3 and [row["origtime"] for row in page["rows"]] == ["1001"]
        assert (await api.get("list/all", "bob"))["count"] == 1
        assert await api.get("list/all", "carol") == []  # no box, as the original
        assert await api.get("list/all", "dave") == []   # two boxes, as the original
        assert (await api.get("list/work"))["count"] == 0
        assert (await api.get("list/nonsense", status=400))["error_id"] == "invalid-request"
        assert list((await api.get("list/all?limit=-1", status=400))["details"]) == ["limit"]


async def test_listening_moves_a_new_message_to_old_renumbered_and_tells_the_sockets(api):
    async with api() as api:
        ids = await three_new_one_old(api.store)
        audio = await api.get(f"listen/{ids[1001]}")
        assert base64.b64decode(audio) == tone(0.1, hz=301)
        assert await api.store.layout("201") == {"INBOX": ["1000", "1002"], "Old": ["900", "1001"]}
        assert api.emitted.take() == [
            ("updateNewVoiceMessages", {"201": {"inbox": 2, "old": 2}}, [ALICE_ROOM]),
            ("newVoiceMessageCounter", {"voicemail": "201", "counter": 2}, EVERYONE),
        ]
        refresh = api.fake.actions("VoicemailRefresh")
        assert [(a["Context"], a["Mailbox"]) for a in refresh] == [("default", "201")]
        listed = {row["origtime"]: row for row in (await api.get("list/all"))["rows"]}
        assert listed["1001"]["type"] == "old" and listed["1001"]["dir"] == api.store.dir_of("201", "Old")

        # an old message: listened again, nothing moves, nothing is told
        new_id = str(listed["1001"]["id"])
        assert base64.b64decode(await api.get(f"listen/{new_id}")) == tone(0.1, hz=301)
        assert await api.store.layout("201") == {"INBOX": ["1000", "1002"], "Old": ["900", "1001"]}
        assert api.emitted.take() == []


async def test_delete_removes_the_message_and_closes_the_gap(api):
    async with api() as api:
        ids = await three_new_one_old(api.store)
        assert await api.post("delete", {"id": str(ids[1000])}) == {}
        assert await api.store.layout("201") == {"INBOX": ["1001", "1002"], "Old": ["900"]}
        assert api.emitted.take()[1] == ("newVoiceMessageCounter", {"voicemail": "201", "counter": 2}, EVERYONE)
        assert (await api.post("delete", {"id": str(ids[1000])}, status=404))["error_id"] == "no-such-voice-message"
        await api.post("delete", {"id": str(ids[900])})
        assert await api.store.layout("201") == {"INBOX": ["1001", "1002"]}
        assert api.emitted.take()[0] == ("updateNewVoiceMessages", {"201": {"inbox": 2, "old": 0}}, [ALICE_ROOM])


async def test_only_the_own_box(api):
    async with api() as api:
        ids = await three_new_one_old(api.store)
        bobs = str(ids[2000])
        assert (await api.get(f"listen/{bobs}", status=403))["error_id"] == "not-your-voicemail"
        assert (await api.get(f"download/{bobs}", status=403))["error_id"] == "not-your-voicemail"
        assert (await api.post("delete", {"id": bobs}, status=403))["error_id"] == "not-your-voicemail"
        assert (await api.get(f"listen/{ids[1000]}", "carol", status=403))["error_id"] == "not-your-voicemail"
        assert await api.store.layout("202") == {"INBOX": ["2000"]}  # untouched
        await api.get(f"listen/{bobs}", "bob")
        assert await api.store.layout("202") == {"Old": ["2000"]}
        assert api.emitted.take()[0] == ("updateNewVoiceMessages", {"202": {"inbox": 0, "old": 1}}, ["user:bob"])


async def test_hostile_ids_are_400_or_404_never_500(api):
    async with api() as api:
        await three_new_one_old(api.store)
        unknown = "99999" if api.store.name != "file" else "1700000000-0000abcd"
        assert (await api.get(f"listen/{unknown}", status=404))["error_id"] == "no-such-voice-message"
        for bad in ("..", "...", "%2e%2e", "INBOX", "1 OR 1=1", "-1", "12345678901234567890123", "a" * 65,
                    "1000-../../x"):
            assert (await api.post("delete", {"id": bad}, status=400))["error_id"] == "invalid-request", bad
        for path in ("listen/..", "listen/%2e%2e", "download/abc%00", "listen/1000-%2F..%2F..%2Fetc%2Fpasswd"):
            response = await api.client.get(f"/webrest/voicemail/{path}", headers=await _headers(api))
            assert response.status_code in (400, 404), (path, response.status_code)
        for path in ("listen/../../../etc/passwd", "listen_custom_msg/../../greet", "custom_msg/..%2Fgreet"):
            response = await api.client.get(f"/webrest/voicemail/{path}", headers=await _headers(api))
            assert response.status_code in (400, 404, 405), (path, response.status_code)
        assert (await api.post("delete", {}, status=400))["details"] == {"id": ["Missing data for required field."]}
        assert (await api.post("delete", {"id": ["1"]}, status=400))["error_id"] == "invalid-request"


async def _headers(api):
    await api.get("list/all")
    return api.logins["alice"]


async def test_greetings_are_stored_where_app_voicemail_plays_them(api):
    async with api() as api:
        assert (await api.get("listen_custom_msg/greet", status=404))["error_id"] == "no-such-greeting"
        greeting = tone(0.3)
        assert await api.post("custom_msg", {"type": "unavail", "audio": b64(greeting)}) == {}
        assert await api.store.greeting("201", "unavail") == greeting
        assert base64.b64decode(await api.get("listen_custom_msg/unavail")) == greeting
        # replaced, not added
        await api.post("custom_msg", {"type": "unavail", "audio": "data:audio/wav;base64," + b64(tone(0.2))})
        assert await api.store.greeting("201", "unavail") == tone(0.2)
        # 44.1 kHz stereo -> what app_voicemail plays: 8 kHz mono 16-bit
        await api.post("custom_msg", {"type": "busy", "audio": b64(tone(0.5, rate=44100, channels=2))})
        with wave.open(io.BytesIO(await api.store.greeting("201", "busy"))) as stored:
            assert (stored.getframerate(), stored.getnchannels(), stored.getsampwidth()) == (8000, 1, 2)
            assert abs(stored.getnframes() - 4000) < 10
        assert await api.delete("custom_msg/busy") == {}
        assert await api.store.greeting("201", "busy") is None
        assert (await api.delete("custom_msg/busy", status=404))["error_id"] == "no-such-greeting"
        assert await api.store.greeting("202", "unavail") is None  # bob's box untouched


async def test_bad_greetings_write_nothing(api):
    async with api(voicemail="max_greeting_bytes = 20000\n") as api:
        for audio, status, error_id in (
            ("not base64!", 400, "unsupported-audio"),
            (b64(b"ID3\x03\x00 an mp3 " * 20), 400, "unsupported-audio"),
            (b64(tone(0.1)[:30]), 400, "unsupported-audio"),
            (b64(_eight_bit_wav()), 400, "unsupported-audio"),
            (b64(tone(2.0)), 413, "audio-too-large"),  # 32 kB > 20000
            ("A" * 100_000, 413, "audio-too-large"),
        ):
            assert (await api.post("custom_msg", {"type": "greet", "audio": audio}, status=status))["error_id"] == \
                error_id
        assert (await api.post("custom_msg", {"type": "temp", "audio": b64(tone(0.1))}, status=400))["details"] == \
            {"type": ["Must be one of: greet, busy, unavail."]}
        assert (await api.get("listen_custom_msg/..", status=400))["error_id"] == "invalid-request"
        assert (await api.post("custom_msg", {"type": "greet", "audio": b64(tone(0.1))}, "carol",
                               status=404))["error_id"] == "no-voicemail-box"
        assert await api.store.greeting("201", "greet") is None


def _eight_bit_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(1)
        target.setframerate(8000)
        target.writeframes(bytes(800))
    return out.getvalue()


async def test_downloads_are_one_shot_static_files(api):
    async with api() as api:
        ids = await three_new_one_old(api.store)
        name = await api.get(f"download/{ids[1002]}")
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.wav", name)  # unguessable, unlike the original's
        assert await api.store.layout("201") == {"INBOX": ["1000", "1001"], "Old": ["900", "1002"]}  # as listen
        response = await api.client.get(f"/webrest/static/{name}")  # no token, as the clients fetch it
        assert response.status_code == 200 and await response.get_data() == tone(0.1, hz=302)
        assert (await api.client.get(f"/webrest/static/{name}")).status_code == 404  # once
        await api.post("custom_msg", {"type": "greet", "audio": b64(tone(0.2))})
        name = await api.get("download_custom_msg/greet")
        assert await (await api.client.get(f"/webrest/static/{name}")).get_data() == tone(0.2)
        assert (await api.get("download_custom_msg/busy", status=404))["error_id"] == "no-such-greeting"
        assert (await api.get(f"download/{ids[2000]}", status=403))["error_id"] == "not-your-voicemail"


async def test_new_counters_need_the_presence_panel(api):
    async with api() as api:
        assert await api.get("new_counters") == {"201": {"newMessageCount": 2}, "202": {"newMessageCount": 0}}
        assert (await api.get("new_counters", "bob", status=403))["error_id"] == "permission-denied"


async def test_message_waiting_reaches_the_sockets_once_per_change(api):
    async with api() as api:
        service = api.app.extensions["voicemail"]
        event = {"Event": "MessageWaiting", "Mailbox": "202@default", "Waiting": "1", "New": "1", "Old": "0"}
        await api.fake.push(event)
        await api.fake.push(event)  # the same counts again: nothing new to tell
        await api.fake.push({**event, "Mailbox": "202@other", "New": "7"})  # another context
        await api.fake.push({**event, "New": "2"})
        await wait_until(lambda: len(api.emitted.events) >= 4, "four socket events")
        assert api.emitted.take() == [
            ("updateNewVoiceMessages", {"202": {"inbox": 1, "old": 0}}, ["user:bob"]),
            ("newVoiceMessageCounter", {"voicemail": "202", "counter": 1}, EVERYONE),
            ("updateNewVoiceMessages", {"202": {"inbox": 2, "old": 0}}, ["user:bob"]),
            ("newVoiceMessageCounter", {"voicemail": "202", "counter": 2}, EVERYONE),
        ]
        assert service.published["202"].new == 2


async def test_status_names_the_storage(api):
    async with api() as api:
        response = await api.client.get("/status")
        status = (await response.get_json())["plugins"]["voicemail"]
        assert status["ok"] and status["storage"] == ("file" if api.store.name == "file" else "odbc")
        assert "nethcti-test" not in str(status)  # MariaDB's password hidden


async def test_odbc_needs_a_url(tmp_path):
    import pytest
    from nethcti_voicemail.testing import voicemail_conf

    from nethcti.errors import StartupError

    with pytest.raises(StartupError, match="db_url"):
        async with running_app(voicemail_conf(tmp_path, 1, voicemail='storage = "odbc"\n')):
            pass
