"""Presence against the real demo PBX (Asterisk 16 + sipp phones): AstDB on every device of alice (201 and
91201), calls routed by it, changes made from the phones, main presence during a real call.

Every wait polls with a deadline (``wait_until``, 10 s); nothing asserts a duration.
"""

import asyncio
import re
import time
from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import wait_until
from nethcti_presence.testing import Api, PresenceProbe, presence_conf

from nethcti import hookimpl
from nethcti.testing import running_app

pytestmark = pytest.mark.live

CELL = "0612345678"  # alice's cellphone: the demo PBX dials it through trunk1


class CallProbe(PresenceProbe):
    """Also what astproxy announces: which extensions got a channel, and hang-up causes."""

    def __init__(self):
        super().__init__()
        self.rang: set[str] = set()
        self.hangups: list[tuple[str, str]] = []

    @hookimpl
    async def extension_changed(self, app, extension):
        if extension.channels:
            self.rang.add(extension.exten)

    @hookimpl
    async def extension_hangup(self, app, hangup):
        self.hangups.append((hangup.exten, hangup.cause))


@asynccontextmanager
async def live(tmp_path, pbx, extra: str = ""):
    info = pbx.ami_info()
    probe = CallProbe()
    conf = presence_conf(tmp_path, info["port"], info["username"], info["secret"], extra=extra,
                         reconnect_min=0.05, reconnect_max=0.3)
    async with running_app(conf, extra_plugins=[("probe", probe)]) as app:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
        yield Api(app, probe)


async def originate(pbx, source: str, number: str) -> None:
    """A call from ``source``'s phone (sipp answers it at once) to ``number``, as click-to-call does it."""

    def run():
        with pbx.ami() as ami:
            response = ami.action("Originate", Channel=f"PJSIP/{source}", Context="from-internal", Exten=number,
                                  Priority="1", Async="true", CallerID=f"<{source}>")
            assert response.get("Response") == "Success", response

    await asyncio.to_thread(run)


def astdb(pbx, *keys: str) -> dict:
    """The AstDB values of ``family/key`` names (None: no such key), read with the CLI."""
    return {key: pbx.db_get(*key.split("/")) for key in keys}


def lamps(pbx) -> tuple[tuple[str, str], str, str]:
    """What the phones' lamps (BLF hints) show of alice: CustomPresence:201 (state, subtype), Custom:DND201
    and Custom:DND91201."""
    presences, devices = pbx.cli("presencestate list"), pbx.cli("devstate list")
    found = re.search(r"Name: 'CustomPresence:201'\s+--- State: '(\w*)'\s+--- Subtype: '(\w*)'", presences)
    dnd = dict(re.findall(r"Name: 'Custom:DND(\d+)'\s+State: '(\w+)'", devices))
    return (found.groups() if found else ("", "")), dnd.get("201", ""), dnd.get("91201", "")


def channels(pbx) -> list[str]:
    return pbx.cli("core show channels concise").splitlines()


async def eventually(read, predicate, what: str, timeout: float = 10.0):
    """Poll the blocking ``read()`` (in a thread) until ``predicate(value)``; its last value in the failure."""
    deadline = time.monotonic() + timeout
    while not predicate(value := await asyncio.to_thread(read)):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}; last seen: {value!r}")
        await asyncio.sleep(0.05)
    return value


async def wait_astdb(pbx, expected: dict, what: str) -> None:
    await eventually(lambda: astdb(pbx, *expected), lambda values: values == expected, what)


async def wait_lamps(pbx, predicate, what: str) -> None:
    await eventually(lambda: lamps(pbx), predicate, what)


async def wait_channel(pbx, predicate, what: str) -> None:
    await eventually(lambda: channels(pbx), lambda lines: any(predicate(line) for line in lines), what)


async def hang_up_everything(app, pbx) -> None:
    await asyncio.to_thread(pbx.hangup_all)
    astproxy = app.extensions["astproxy"]
    await wait_until(lambda: not any(ext.channels for ext in astproxy.current().extensions.values()),
                     "every call is gone from the model")
    await app.hooks_idle()  # and every plugin has heard of it


async def test_every_presence_writes_every_device_and_routes_calls(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    keys = ("DND/201", "DND/91201", "CF/201", "CF/91201")
    async with live(tmp_path, pbx) as api:
        probe, astproxy = api.probe, api.app.extensions["astproxy"]

        # DND: the call is refused at once, nothing rings
        await api.post("presence", {"status": "dnd"})
        await wait_astdb(pbx, dict.fromkeys(keys) | {"DND/201": "YES", "DND/91201": "YES"}, "dnd")
        assert await asyncio.to_thread(lamps, pbx) == (("dnd", ""), "BUSY", "BUSY")
        await originate(pbx, "202", "201")
        await wait_until(lambda: ("202", "user_busy") in probe.hangups, "bob's call refused as busy")
        assert not probe.rang & {"201", "91201"}

        # call forward to 203: carol's phone answers alice's call
        await api.post("presence", {"status": "callforward", "to": "203"})
        await wait_astdb(pbx, dict.fromkeys(keys) | {"CF/201": "203", "CF/91201": "203"}, "callforward")
        assert await asyncio.to_thread(lamps, pbx) == (("away", "NUMBER"), "NOT_INUSE", "NOT_INUSE")
        await originate(pbx, "202", "201")
        await wait_until(lambda: astproxy.extension("203").channels, "carol's phone takes the call")
        assert not probe.rang & {"201", "91201"}
        await hang_up_everything(api.app, pbx)

        # cellphone: out through the trunk
        await api.post("presence", {"status": "cellphone"})
        await wait_astdb(pbx, dict.fromkeys(keys) | {"CF/201": CELL, "CF/91201": CELL}, "cellphone")
        assert (await asyncio.to_thread(lamps, pbx))[0] == ("away", "CELLPHONE")
        await originate(pbx, "202", "201")
        await wait_channel(pbx, lambda line: line.startswith("PJSIP/trunk1-"), "the forward goes out on trunk1")
        await hang_up_everything(api.app, pbx)

        # voicemail: the caller reaches box 201
        await api.post("presence", {"status": "voicemail"})
        await wait_astdb(pbx, dict.fromkeys(keys) | {"CF/201": "vmu201", "CF/91201": "vmu201"}, "voicemail")
        assert (await asyncio.to_thread(lamps, pbx))[0] == ("xa", "VOICEMAIL")
        await originate(pbx, "202", "201")
        await wait_channel(pbx, lambda line: "!VoiceMail!201@default" in line, "bob leaves a message for 201")
        await hang_up_everything(api.app, pbx)
        assert not probe.rang & {"201", "91201"}

        # online: alice's phone takes the call again
        await api.post("presence", {"status": "online"})
        await wait_astdb(pbx, dict.fromkeys(keys), "online")
        assert await asyncio.to_thread(lamps, pbx) == (("available", ""), "NOT_INUSE", "NOT_INUSE")
        await originate(pbx, "202", "201")
        await wait_until(lambda: astproxy.extension("201").channels, "alice's phone takes the call")
        await hang_up_everything(api.app, pbx)
        assert "201" in probe.rang and "91201" not in probe.rang  # 91201 only mirrors the settings

        assert probe.statuses("alice", "presence") == ["dnd", "callforward", "cellphone", "voicemail", "online"]
        assert [call[3] for call in probe.of("alice", "presence")] == [None, "203", None, None, None]
        main = probe.statuses("alice", "mainPresence")
        assert main[:5] == ["dnd", "callforward", "cellphone", "voicemail", "online"]
        assert main[-1] == "online" and "busy" in main[5:]  # then alice's own call
        assert probe.of("bob", "presence") == []


async def test_changes_from_the_phones_show_up_and_are_mirrored(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with live(tmp_path, pbx) as api:
        probe = api.probe
        await originate(pbx, "201", "*78")  # DND on, from alice's desk phone
        await wait_astdb(pbx, {"DND/201": "YES", "DND/91201": "YES"}, "DND mirrored to 91201")
        await wait_lamps(pbx, lambda lamps: lamps[1:] == ("BUSY", "BUSY"), "both DND lamps on")
        await wait_until(lambda: probe.statuses("alice", "presence") == ["dnd"], "presence dnd announced")
        assert await api.get("presence") == {"status": "dnd"}
        await wait_until(lambda: probe.statuses("alice", "mainPresence")[-1:] == ["dnd"], "main presence dnd")

        await originate(pbx, "201", "*79")  # DND off
        await wait_astdb(pbx, {"DND/201": None, "DND/91201": None}, "DND off on both")
        await wait_lamps(pbx, lambda lamps: lamps[1:] == ("NOT_INUSE", "NOT_INUSE"), "both DND lamps off")
        await wait_until(lambda: probe.statuses("alice", "presence") == ["dnd", "online"], "presence online")

        await originate(pbx, "91201", "*72203")  # call forward, from the second device
        await wait_astdb(pbx, {"CF/201": "203", "CF/91201": "203"}, "CF mirrored to 201")
        await wait_until(lambda: await_presence(probe, "callforward"), "presence callforward announced")
        assert await api.get("presence") == {"status": "callforward", "to": "203"}
        assert probe.of("alice", "presence")[-1] == ("alice", "presence", "callforward", "203")

        await originate(pbx, "91201", "*90vmu201")  # forward on busy to voicemail, from the second device
        await wait_astdb(pbx, {"CFB/201": "vmu201", "CFB/91201": "vmu201"}, "CFB mirrored to 201")
        await wait_until(lambda: probe.statuses("alice", "presence_onbusy") == ["voicemail"], "onbusy voicemail")
        assert probe.statuses("alice", "presence") == ["dnd", "online", "callforward"]  # each change once
        await hang_up_everything(api.app, pbx)


def await_presence(probe, status: str) -> bool:
    return probe.statuses("alice", "presence")[-1:] == [status]


async def test_main_presence_follows_a_real_call(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    await asyncio.to_thread(pbx.set_phone, "201", "ring")
    async with live(tmp_path, pbx) as api:
        probe = api.probe

        def main():
            return probe.statuses("alice", "mainPresence")

        await originate(pbx, "202", "201")  # alice's desk phone rings …
        await wait_until(lambda: main() == ["ringing"], "alice ringing")
        assert (await api.get("me"))["mainPresence"] == "ringing"
        await originate(pbx, "91201", "**201")  # … and she picks the call up on her second device
        await wait_until(lambda: main() == ["ringing", "busy"], "alice busy")
        assert (await api.get("endpoints/all", "bob"))["alice"]["mainPresence"] == "busy"
        await hang_up_everything(api.app, pbx)
        await wait_until(lambda: main() == ["ringing", "busy", "online"], "alice online again")
        assert probe.statuses("alice", "presence") == []  # the presence itself never changed
