"""Off-hour rules steering real inbound calls on the demo PBX (Asterisk 16): a call to a DID rings the route's
destination, hears the announcement while off-hour is on, is redirected, and rings again once it is off; an
announcement recorded from the user's (sipp) phone is kept.

Every wait is bounded; nothing asserts a duration.
"""

import asyncio
import base64
from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import ami_conf, wait_until
from nethcti_auth.passwords import PasswordFile
from nethcti_offhour.testing import PASSWORDS, USERS_TOML, offhour_section, seed_routes, tone

from nethcti.testing import ApiClient, running_app, write_conf

pytestmark = pytest.mark.live

ALICE_DID, MAIN_DID = "0721405516", "0721405500"


@asynccontextmanager
async def serving(tmp_path, pbx):
    url = f"sqlite+aiosqlite:///{tmp_path / 'nethvoice.db'}"
    await seed_routes(url)
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    info = pbx.ami_info()
    conf = ami_conf(tmp_path, info["port"], info["username"], info["secret"], reconnect_min=0.05, reconnect_max=0.3)
    write_conf(conf, "60-app.toml", USERS_TOML + "\n[database]\nenabled = true\n\n[auth]\nenabled = true\n\n"
               "[static]\nenabled = true\n\n" + offhour_section(url, sounds, pbx.spool_dir / "tmp"))
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user, password in PASSWORDS.items():
        passwords.set(user, password)
    async with running_app(conf) as app:
        assert await app.extensions["ami"].wait_connected(10)
        api = ApiClient(app, "/webrest/offhour/", PASSWORDS)
        api.sounds = sounds / "nethcti"
        yield api


def inbound_call(pbx, did: str, until, seconds: float = 8) -> list[dict]:
    """Call ``did`` from outside (Local/<did>@from-did, answered by app-blackhole) and return the events up to the
    first one ``until(event)`` accepts; the call is hung up after."""
    with pbx.ami() as ami:
        reply = ami.action("Originate", Channel=f"Local/{did}@from-did", Context="app-blackhole", Exten="answer",
                           Priority="1", CallerID='"Mario Rossi" <0612345678>', Async="true")
        assert reply.get("Response") == "Success", reply
        seen = []

        def wanted(event):
            seen.append(event)
            return until(event)

        try:
            ami.wait_event(wanted, timeout=seconds)
        finally:
            pbx.hangup_all()
    return seen


def rings(exten: str):
    return lambda e: e.get("Event") == "Newchannel" and e.get("Channel", "").startswith(f"PJSIP/{exten}-")


def runs(application: str, data: str | None = None):
    return lambda e: e.get("Event") == "Newexten" and e.get("Application") == application and \
        (data is None or e.get("AppData") == data)


async def call(pbx, did: str, until) -> list[dict]:
    return await asyncio.to_thread(inbound_call, pbx, did, until)


async def test_an_off_hour_rule_changes_what_a_real_inbound_call_hears(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx) as api:
        # no rule: the DID rings alice's phone
        await call(pbx, ALICE_DID, rings("201"))

        # always: the announcement is played, 201 does not ring
        assert await api.post("upload_announcement", {"description": "Closed", "privacy": "public",
                                                      "audio_content": "data:audio/wav;base64,"
                                                      + base64.b64encode(tone(1.0)).decode()}) == {}
        [announcement] = await api.get("list_announcement")
        [sound] = list(api.sounds.iterdir())
        assert await api.post("set_offhour", {"calledIdNum": ALICE_DID, "callerIdNum": "", "enabled": "always",
                                              "action": "audiomsg", "announcement_id": announcement["id"]}) == {}
        assert pbx.db_get("OFFHOUR", ALICE_DID) == f"1|0|0|0|{announcement['id']}|{sound.with_suffix('')}"
        heard = await call(pbx, ALICE_DID, lambda e: e.get("Event") == "Hangup" and
                           e.get("Channel", "").startswith("Local/") and e.get("Channel", "").endswith(";1"))
        assert any(runs("Playback", str(sound.with_suffix("")))(e) for e in heard), "the announcement was not played"
        assert not any(rings("201")(e) for e in heard)

        # a period that is over: back to normal
        assert await api.post("set_offhour", {"calledIdNum": ALICE_DID, "callerIdNum": "", "enabled": "period",
                                              "start_date": "2020-01-01T00:00:00", "end_date": "2020-01-02T00:00:00",
                                              "action": "audiomsg", "announcement_id": announcement["id"]}) == {}
        await call(pbx, ALICE_DID, rings("201"))

        # redirect (the admin, on the generic main line): 202 rings instead of queue 401
        assert await api.post("set_offhour", {"calledIdNum": MAIN_DID, "callerIdNum": "", "enabled": "always",
                                              "action": "redirect", "redirect_to": "202"}, "carol") == {}
        redirected = await call(pbx, MAIN_DID, rings("202"))
        assert not any(runs("Queue")(e) for e in redirected)

        # never: the route works as without a rule
        assert await api.post("set_offhour", {"calledIdNum": MAIN_DID, "callerIdNum": "", "enabled": "never"},
                              "carol") == {}
        await call(pbx, MAIN_DID, runs("Queue"))


async def test_an_announcement_recorded_from_the_phone_is_kept(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx) as api:
        with pbx.ami() as ami:
            started = await api.post("record_announcement", {})
            await asyncio.to_thread(ami.wait_event, "Newstate", 10, Channel="PJSIP/201-*", ChannelStateDesc="Up")
        recording = pbx.spool_dir / "tmp" / started["tempFilename"]
        await wait_until(recording.exists, "Asterisk records")
        await asyncio.sleep(0.5)
        await asyncio.to_thread(pbx.hangup_all)
        assert await api.post("enable_announcement", {"tempFilename": started["tempFilename"],
                                                      "description": "From my phone", "privacy": "private"}) == {}
        assert not recording.exists()
        [kept] = await api.get("list_announcement")
        assert (kept["description"], kept["privacy"], kept["username"]) == ("From my phone", "private", "alice")
        [stored] = list(api.sounds.iterdir())
        assert stored.read_bytes()[:4] == b"RIFF"
