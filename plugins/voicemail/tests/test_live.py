"""Voicemail against the real demo PBX (Asterisk 16, app_voicemail, file storage): a call leaves a real message in
bob's box 202, bob's socket hears of it, and listening, deleting and greetings agree with what Asterisk counts.

Every wait is bounded; nothing asserts a duration.
"""

import asyncio
import base64
import re
import wave
from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import wait_until
from nethcti_voicemail.testing import PASSWORDS, tone, voicemail_conf
from nethcti_websocket.testing import SocketSession, served

from nethcti.server import build

pytestmark = pytest.mark.live


class Session(SocketSession):
    """The served app, bob's and alice's HTTP logins, and socket.io clients logged in with REST tokens."""

    async def call(self, method: str, path: str, user: str = "bob", status: int = 200, body=None):
        response = await self.http.request(method, f"/webrest/voicemail/{path}", headers=await self.headers(user),
                                           json=body)
        assert response.status_code == status, (path, response.status_code, response.text)
        return response.json()


@asynccontextmanager
async def serving(tmp_path, pbx):
    info = pbx.ami_info()
    conf = voicemail_conf(tmp_path, info["port"], info["username"], info["secret"],
                          voicemail=f'spool_dir = "{pbx.spool_dir / "voicemail"}"\n',
                          extra="[websocket]\nenabled = true\n", reconnect_min=0.05, reconnect_max=0.3)
    app = build(conf)
    async with served(app) as url:
        await wait_until(lambda: app.extensions["ami"].connected, "the AMI link is up")
        session = Session(app, url, PASSWORDS)
        try:
            yield session
        finally:
            await session.close()


async def leave_message(pbx, box: str, sound) -> None:
    """A caller (203) reaches ``vmu<box>`` (the unavailable voicemail), skips the greeting with # and plays
    ``sound`` (a WAV path without its extension) into the recording; app_voicemail saves it at hang-up."""

    def run():
        with pbx.ami() as ami:
            reply = ami.action("Originate", Channel=f"Local/vmu{box}@ext-local", Application="Playback",
                               Data=str(sound), CallerID='"Carol Verdi" <203>', Async="true")
            assert reply.get("Response") == "Success", reply
            started = ami.wait_event("Newexten", timeout=8, Application="VoiceMail")
            caller = started["Channel"][:-1] + "1"  # Local/…;2 runs VoiceMail, …;1 plays the sound
            assert ami.action("PlayDTMF", Channel=caller, Digit="#", Duration="100").get("Response") == "Success"
            ami.wait_event("MessageWaiting", timeout=10, Mailbox=f"{box}@default")

    await asyncio.to_thread(run)


def mailbox_count(pbx, box: str) -> tuple[str, str]:
    with pbx.ami() as ami:
        reply = ami.action("MailboxCount", Mailbox=f"{box}@default")
    return reply["NewMessages"], reply["OldMessages"]


async def test_a_real_message_listened_and_deleted(tmp_path, fresh_pbx):
    pbx = fresh_pbx
    sound = tmp_path / "caller"
    sound.with_suffix(".wav").write_bytes(tone(2.5))  # app_voicemail keeps >= 1 s (minsecs)
    inbox = pbx.spool_dir / "voicemail" / "default" / "202" / "INBOX"
    old = inbox.with_name("Old")
    async with serving(tmp_path, pbx) as session:
        bob, alice = await session.client("bob"), await session.client("alice")

        await leave_message(pbx, "202", sound)
        assert await bob.wait_for("newVoiceMessageCounter") == {"voicemail": "202", "counter": 1}
        assert await bob.wait_for("updateNewVoiceMessages") == {"202": {"inbox": 1, "old": 0}}
        assert await alice.wait_for("newVoiceMessageCounter") == {"voicemail": "202", "counter": 1}  # everyone
        assert alice.received("updateNewVoiceMessages") == []  # only the owners

        listed = await session.call("GET", "list/all")
        assert listed["count"] == 1
        row = listed["rows"][0]
        assert row["type"] == "inbox" and row["mailboxuser"] == "202" and row["dir"] == str(inbox)
        assert row["callerid"] == '"Carol Verdi" <203>' and int(row["duration"]) >= 1
        assert re.fullmatch(r"\d+-[0-9a-f]{8}", row["id"])
        assert await session.call("GET", "list/all", "alice") == {"count": 0, "rows": []}

        # another user's message: refused, and nothing moves
        assert (await session.call("GET", f"listen/{row['id']}", "alice", 403))["error_id"] == "not-your-voicemail"

        # listening: the recording as base64 WAV, then the message is in Old for Asterisk too
        seen = len(bob.events)
        recording = base64.b64decode(await session.call("GET", f"listen/{row['id']}"))
        assert recording[:4] == b"RIFF" and recording[8:12] == b"WAVE"
        assert sorted(p.name for p in old.iterdir()) == ["msg0000.txt", "msg0000.wav"]
        assert not list(inbox.glob("msg*"))
        assert await bob.wait_for("newVoiceMessageCounter", after=seen) == {"voicemail": "202", "counter": 0}
        assert await asyncio.to_thread(mailbox_count, pbx, "202") == ("0", "1")
        assert (await session.call("GET", "list/old"))["rows"][0]["id"] == row["id"]

        # two more messages; deleting the first renumbers the second, as app_voicemail would
        await leave_message(pbx, "202", sound)
        await leave_message(pbx, "202", sound)
        await bob.wait_for("newVoiceMessageCounter", lambda data: data["counter"] == 2)
        first, second = sorted((await session.call("GET", "list/inbox"))["rows"], key=lambda r: r["id"])
        second_info = (inbox / "msg0001.txt").read_text()
        seen = len(bob.events)
        assert await session.call("POST", "delete", body={"id": first["id"]}) == {}
        assert sorted(p.name for p in inbox.iterdir() if p.name.startswith("msg")) == ["msg0000.txt", "msg0000.wav"]
        assert (inbox / "msg0000.txt").read_text() == second_info
        assert await bob.wait_for("newVoiceMessageCounter", after=seen) == {"voicemail": "202", "counter": 1}
        assert await asyncio.to_thread(mailbox_count, pbx, "202") == ("1", "1")
        assert [r["id"] for r in (await session.call("GET", "list/inbox"))["rows"]] == [second["id"]]

        # a greeting uploaded through the API is what Asterisk plays to the next caller
        greeting = tone(0.3, rate=16000)
        assert await session.call("POST", "custom_msg", body={"type": "unavail",
                                                              "audio": base64.b64encode(greeting).decode()}) == {}
        stored = inbox.parent / "unavail.wav"
        with wave.open(str(stored)) as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (8000, 1)
        await leave_message(pbx, "202", sound)
        log = (pbx.workdir / "log" / "full").read_text()
        assert f"Playing '{inbox.parent}/unavail" in log, "Asterisk did not play the uploaded greeting"
        assert await session.call("DELETE", "custom_msg/unavail") == {}
        assert not stored.exists()
