"""Test helpers: a conf.d for the voicemail plugin, messages written as app_voicemail writes them (spool files
or ``voicemessages`` rows), WAV audio, and an HTTP client logged in as the NethVoice clients do."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path
from typing import Any

from nethcti.testing import ApiClient

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}

# alice: box 201 and the presence panel (new_counters); bob: box 202; carol: no box; dave: two boxes
USERS_TOML = """
[users]
enabled = true

[users.profiles.panel]
name = "Panel"
permissions = ["presence_panel"]

[users.profiles.basic]
name = "Basic"
permissions = ["settings.dnd"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "panel"
mainextension = "201"
voicemail = "201"

[users.accounts.bob]
name = "Bob Bianchi"
profile = "basic"
mainextension = "202"
voicemail = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "basic"
mainextension = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "basic"
mainextension = "204"
voicemail = ["204", "205"]

[database]
enabled = true

[auth]
enabled = true

[static]
enabled = true
"""


def voicemail_conf(tmp_path: Path, ami_port: int, username: str = "nethcti", secret: str = "secret", *,
                   voicemail: str = "", extra: str = "", **ami_options) -> Path:
    """conf.d with ami, users, database, auth, static and ``[voicemail]`` (``voicemail``: its keys); passwords
    ``<name>-pw``."""
    from nethcti_ami.testing import ami_conf
    from nethcti_auth.passwords import PasswordFile

    conf_dir = ami_conf(tmp_path, ami_port, username, secret, **ami_options)
    (conf_dir / "60-app.toml").write_text(USERS_TOML + "\n[voicemail]\nenabled = true\n" + voicemail + "\n")
    if extra:
        (conf_dir / "70-extra.toml").write_text(extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user, password in PASSWORDS.items():
        passwords.set(user, password)
    return conf_dir


def tone(seconds: float = 0.5, rate: int = 8000, channels: int = 1, hz: int = 440) -> bytes:
    """A WAV of a sine tone, 16-bit PCM."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        sample = struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / rate)))
        frames += sample * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(channels)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(bytes(frames))
    return out.getvalue()


def message_info(box: str, origtime: int, callerid: str, duration: int, msg_id: str | None) -> str:
    """A msgNNNN.txt as app_voicemail (Asterisk 16) writes it."""
    lines = [";", "; Message Information file", ";", "[message]", f"origmailbox={box}", "context=from-internal",
             "macrocontext=", f"exten={box}", "rdnis=unknown", "priority=2", "callerchan=PJSIP/203-00000001",
             f"callerid={callerid}", "origdate=Mon Jan  1 10:00:00 AM UTC 2024", f"origtime={origtime}",
             "category="]
    if msg_id is not None:
        lines.append(f"msg_id={msg_id}")
    lines += ["flag=", f"duration={duration}", ""]
    return "\n".join(lines)


def write_spool_message(root: Path, box: str, folder: str, msgnum: int, origtime: int, *,
                        callerid: str = '"Carol Verdi" <203>', duration: int = 3, audio: bytes | None = None,
                        msg_id: str | None = "") -> str:
    """Write ``<root>/<box>/<folder>/msgNNNN.{wav,txt}`` (root: ``<spool_dir>/<context>``); returns the msg_id."""
    if msg_id == "":
        msg_id = f"{origtime}-{msgnum:08x}"
    folder_dir = root / box / folder
    folder_dir.mkdir(parents=True, exist_ok=True)
    (folder_dir / f"msg{msgnum:04d}.wav").write_bytes(audio if audio is not None else tone(0.2))
    (folder_dir / f"msg{msgnum:04d}.txt").write_text(message_info(box, origtime, callerid, duration, msg_id))
    return msg_id


class Api(ApiClient):
    """HTTP calls to /webrest/voicemail as one of the test users; every call checks the status code."""

    def __init__(self, app, fake: Any = None):
        super().__init__(app, "/webrest/voicemail/", PASSWORDS)
        self.fake = fake

