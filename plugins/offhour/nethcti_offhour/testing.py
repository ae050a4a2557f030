"""Test and demo helpers of the offhour plugin: users at each off-hour level, NethVoice's tables filled with
inbound routes, and the conf.d that enables the plugin."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from nethcti_offhour.store import OffhourStore

# alice: basic (off_hour), bob: advanced, carol: admin (ad_off_hour), dave: none
USERS_TOML = """
[users]
enabled = true

[users.profiles.basic]
name = "Off-hour"
permissions = ["off_hour", "settings.dnd"]

[users.profiles.advanced]
name = "Off-hour advanced"
permissions = ["off_hour.advanced_off_hour"]

[users.profiles.admin]
name = "Off-hour admin"
permissions = ["off_hour.ad_off_hour"]

[users.profiles.none]
name = "No off-hour"
permissions = ["settings.dnd"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "basic"
mainextension = "201"
voicemail = "201"

[users.accounts.bob]
name = "Bob Bianchi"
profile = "advanced"
mainextension = "202"
voicemail = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "admin"
mainextension = "203"
voicemail = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "none"
mainextension = "204"
"""

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}

# FreePBX inbound routes (incoming: extension = DID, cidnum, destination, description); the first two are the
# demo PBX's DIDs (context from-did in demopbx/templates/extensions.conf)
DEMO_ROUTES = [
    ("0721405516", "", "from-did-direct,201,1", "Alice's line"),
    ("0721405500", "", "ext-queues,401,1", "Main line"),
    ("0721405517", "", "from-did-direct,202,1", "Bob's line"),
    ("0721405500", "0612345678", "from-did-direct,203,1", "Main line, VIP caller"),
]


async def seed_routes(asterisk_url: str, nethcti_url: str | None = None, routes=DEMO_ROUTES) -> None:
    """Create the off-hour tables if missing and add ``routes`` to ``incoming`` (those not there yet)."""
    store = OffhourStore(asterisk_url, nethcti_url)
    try:
        await store.create_tables()
        known = {(r.did, r.cid) for r in await store.routes()}
        async with store.asterisk.begin() as conn:
            for did, cid, destination, description in routes:
                if (did, cid) not in known:
                    await conn.execute(store.incoming.insert().values(
                        extension=did, cidnum=cid, destination=destination, description=description))
    finally:
        await store.close()


def offhour_section(asterisk_url: str, sounds_dir: Path, record_dir: Path, nethcti_url: str | None = None,
                    astdb: bool = True) -> str:
    lines = ["[offhour]", "enabled = true", f'asterisk_db_url = "{asterisk_url}"', f'sounds_dir = "{sounds_dir}"',
             f'record_dir = "{record_dir}"', f"astdb = {'true' if astdb else 'false'}"]
    if nethcti_url:
        lines.append(f'nethcti_db_url = "{nethcti_url}"')
    return "\n".join(lines) + "\n"


def tone(seconds: float = 0.5, rate: int = 8000, channels: int = 1, hz: int = 440) -> bytes:
    """A WAV of a sine tone, 16-bit PCM."""
    one = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / rate))) * channels
                   for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(channels)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(one)
    return out.getvalue()
