"""The model against the real demo PBX (Asterisk 16 + sipp phones): calls, queues, parking, DND, restarts.

Every wait polls the model with a deadline (``wait_until``, 10 s).
"""

import asyncio
from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.loader import build_model, fetch_snapshot
from nethcti_astproxy.render import Renderer
from nethcti_astproxy.testing import demo_conf

from nethcti import hookimpl
from nethcti.testing import running_app

pytestmark = pytest.mark.live


class Probe:
    """A throwaway plugin recording what astproxy announces, rendered at once as a client gets it."""

    def __init__(self):
        self.statuses: dict[str, list[str]] = {}
        self.hooks: list[tuple[str, object]] = []

    @hookimpl
    async def extension_changed(self, app, extension):
        history = self.statuses.setdefault(extension.exten, [])
        if not history or history[-1] != extension.status:
            history.append(extension.status)
        self.hooks.append(("extension_changed", app.extensions["astproxy"].to_json(extension)))

    @hookimpl
    async def extension_setting_changed(self, app, change):
        self.hooks.append(("extension_setting_changed", change))

    @hookimpl
    async def queue_changed(self, app, queue):
        self.hooks.append(("queue_changed", app.extensions["astproxy"].to_json(queue)))

    @hookimpl
    async def parking_changed(self, app, parking):
        self.hooks.append(("parking_changed", app.extensions["astproxy"].to_json(parking)))

    @hookimpl
    async def model_reloaded(self, app):
        self.hooks.append(("model_reloaded", None))


@asynccontextmanager
async def live(tmp_path, pbx):
    info = pbx.ami_info()
    probe = Probe()
    conf = demo_conf(tmp_path, info["port"], info["username"], info["secret"], reconnect_min=0.05, reconnect_max=0.3)
    async with running_app(conf, extra_plugins=[("probe", probe)]) as app:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
        yield app, app.extensions["astproxy"], probe


def channel_of(astproxy, exten: str) -> str:
    (name,) = astproxy.extension(exten).channels
    return name


def conversations(astproxy, exten: str) -> dict:
    return astproxy.to_json(astproxy.extension(exten))["conversations"]


async def originate(app, channel: str, exten: str, caller_id: str):
    await app.extensions["ami"].originate(channel, exten=exten, context="from-internal", caller_id=caller_id)


async def test_call_201_to_202_rings_connects_and_ends(tmp_path, demo_pbx_clean):
    async with live(tmp_path, demo_pbx_clean) as (app, astproxy, probe):
        await originate(app, "PJSIP/201", "202", "201")

        def talking() -> bool:
            convs = [conversations(astproxy, e) for e in ("201", "202")]
            busy = astproxy.extension("201").status == astproxy.extension("202").status == "busy"
            return busy and all(len(c) == 1 and next(iter(c.values()))["connected"] for c in convs)

        await wait_until(talking, "201 and 202 talk, both busy")
        (convid, alice), = conversations(astproxy, "201").items()
        (bob_id, bob), = conversations(astproxy, "202").items()
        assert convid == bob_id == f"{channel_of(astproxy, '201')}>{channel_of(astproxy, '202')}"
        assert (alice["direction"], bob["direction"]) == ("out", "in")
        assert (alice["counterpartNum"], bob["counterpartNum"]) == ("202", "201")
        await app.hooks_idle()  # the probe hears the model's changes on its own queue
        for exten in ("201", "202"):
            history = probe.statuses[exten]
            assert history.index("ringing") < history.index("busy"), (exten, history)

        await app.extensions["ami"].send_action({"Action": "Hangup", "Channel": channel_of(astproxy, "202")})
        await wait_until(lambda: not astproxy.extension("201").channels and not astproxy.extension("202").channels,
                         "the call is gone")
        await wait_until(lambda: astproxy.extension("201").status == astproxy.extension("202").status == "online",
                         "both back online")


async def test_a_ringing_phone(tmp_path, demo_pbx_clean):
    await asyncio.to_thread(demo_pbx_clean.set_phone, "202", "ring")
    async with live(tmp_path, demo_pbx_clean) as (app, astproxy, _probe):
        await originate(app, "PJSIP/201", "202", "201")
        await wait_until(lambda: astproxy.extension("202").status == "ringing" and conversations(astproxy, "202"),
                         "202 rings")
        (conv,) = conversations(astproxy, "202").values()
        assert not conv["connected"] and conv["chDest"]["channelStatus"] == "ringing"
        assert conv["id"] in conversations(astproxy, "201")
        await app.extensions["ami"].send_action({"Action": "Hangup", "Channel": channel_of(astproxy, "201")})
        await wait_until(lambda: astproxy.extension("202").status == "online" and not conversations(astproxy, "202"),
                         "202 stops ringing")


async def test_queue_waiting_caller_then_connected_member(tmp_path, demo_pbx_clean):
    async with live(tmp_path, demo_pbx_clean) as (app, astproxy, probe):
        ami = app.extensions["ami"]
        await originate(app, "PJSIP/203", "402", "203")
        await wait_until(lambda: astproxy.queue("402").waiting, "carol waits in queue 402")
        (caller,) = astproxy.to_json(astproxy.queue("402"))["waitingCallers"].values()
        assert (caller["num"], caller["position"]) == ("203", "1")
        assert any(hook == "queue_changed" and body["queue"] == "402" and body["waitingCallers"]
                   for hook, body in probe.hooks)
        try:
            await ami.send_action({"Action": "QueueAdd", "Queue": "402", "Interface": "Local/201@from-queue/n",
                                   "MemberName": "Alice Rossi", "StateInterface": "hint:201@ext-local"})

            def answered() -> bool:
                convs = conversations(astproxy, "201")
                return len(convs) == 1 and next(iter(convs.values()))["connected"]

            await wait_until(answered, "alice answers the queue call")
            (conv,) = conversations(astproxy, "201").values()
            assert conv["throughQueue"] and conv["queueId"] == "402" and conv["counterpartNum"] == "203"
            await wait_until(lambda: not astproxy.queue("402").waiting, "nobody waits any more")
            assert astproxy.queue("402").members["201"].logged_in
        finally:
            await ami.send_action({"Action": "Hangup", "Channel": "/^PJSIP/20[13]-.*$/"}, raw=True)
            await ami.send_action({"Action": "QueueRemove", "Queue": "402", "Interface": "Local/201@from-queue/n"},
                                  raw=True)
        await wait_until(lambda: not astproxy.queue("402").members.get("201"), "alice logged out of 402")


async def test_a_parked_call_appears_in_its_lot_and_leaves_it(tmp_path, demo_pbx_clean):
    async with live(tmp_path, demo_pbx_clean) as (app, astproxy, probe):
        ami = app.extensions["ami"]
        await originate(app, "PJSIP/201", "202", "201")
        await wait_until(lambda: len(astproxy.extension("202").channels) == 1 and astproxy.extension(
            "202").status == "busy", "202 answers")
        bob = channel_of(astproxy, "202")
        await ami.send_action({"Action": "Park", "Channel": bob, "TimeoutChannel": channel_of(astproxy, "201")})
        await wait_until(lambda: astproxy.parking("701").parked is not None, "bob is parked in 701")
        parked = astproxy.to_json(astproxy.parking("701"))["parkedCaller"]
        assert parked["channel"] == bob and parked["parkeeNum"] == "201" and parked["num"] == "202"
        await ami.send_action({"Action": "Hangup", "Channel": bob})
        await wait_until(lambda: astproxy.parking("701").parked is None, "701 is free again")
        assert [body["parkedCaller"] != {} for hook, body in probe.hooks if hook == "parking_changed"] == [True, False]


async def test_dnd_from_the_dialplan_and_from_astdb(tmp_path, demo_pbx_clean):
    async with live(tmp_path, demo_pbx_clean) as (app, astproxy, probe):
        await originate(app, "PJSIP/201", "*78", "201")
        await wait_until(lambda: astproxy.extension("201").dnd, "201 in DND")
        changes = [change for hook, change in probe.hooks if hook == "extension_setting_changed"]
        assert (changes[0].exten, changes[0].setting, changes[0].enabled) == ("201", "dnd", True)
        await originate(app, "PJSIP/201", "*79", "201")
        await wait_until(lambda: not astproxy.extension("201").dnd, "201 out of DND")

        await asyncio.to_thread(demo_pbx_clean.db_put, "DND", "202", "YES")  # no event tells this
        assert await astproxy.read_dnd("202") is True
        assert astproxy.to_json(astproxy.extension("202"))["dnd"] is True


async def test_an_extension_without_contact_is_offline(tmp_path, demo_pbx_clean):
    async with live(tmp_path, demo_pbx_clean) as (_app, astproxy, _probe):
        dave = astproxy.to_json(astproxy.extension("204"))
        assert dave["status"] == "offline" and dave["ip"] == ""
        assert astproxy.extension("201").status == "online" and astproxy.extension("201").ip == "127.0.0.1"


def comparable(model) -> dict:
    render = Renderer(model, now=0)
    return {
        "extensions": {k: render.extension(e) for k, e in model.extensions.items()},
        "queues": {k: render.queue(q) for k, q in model.queues.items()},
        "parkings": {k: render.parking(p) for k, p in model.parkings.items()},
        "conferences": {k: render.conference(c) for k, c in model.conferences.items()},
    }


async def test_rebuilt_after_asterisk_restarts(tmp_path, fresh_pbx):
    async with live(tmp_path, fresh_pbx) as (app, astproxy, probe):
        ami = app.extensions["ami"]
        await originate(app, "PJSIP/201", "202", "201")
        await wait_until(lambda: len(astproxy.extension("202").channels) == 1, "a call is up")

        await asyncio.to_thread(fresh_pbx.kill)
        await wait_until(lambda: not ami.connected, "the AMI link is down")
        assert astproxy.extension("202").channels  # nothing told the model the call ended
        await asyncio.to_thread(fresh_pbx.start)
        await wait_until(lambda: astproxy.loads == 2 and not astproxy.loading, "loaded again", timeout=20)

        assert not astproxy.model.channels
        assert not conversations(astproxy, "201") and not conversations(astproxy, "202")
        fresh = build_model(await fetch_snapshot(ami, astproxy.accounts(), astproxy.statics), astproxy.statics,
                            astproxy.accounts())
        assert comparable(astproxy.model) == comparable(fresh)
        assert [hook for hook, _ in probe.hooks].count("model_reloaded") == 2
