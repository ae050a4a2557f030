"""The service: loading while events keep coming, announcing, recordings across reloads (no Asterisk)."""

import asyncio

import pytest
from nethcti_astproxy.loader import action_key
from nethcti_astproxy.service import Astproxy
from nethcti_astproxy.testing import DEMO_STATICS, message
from nethcti_users.loader import Directory
from nethcti_users.model import Extension, User
from nethcti_users.service import Users


def demo_users() -> Users:
    users = [
        User("alice", "Alice Rossi", None, "201", (Extension("201", mac="00:11:22:AA:BB:CC"),
                                                  Extension("91201", "webrtc"))),
        User("bob", "Bob Bianchi", None, "202"), User("carol", "Carol Verdi", None, "203"),
        User("dave", "Dave Neri", None, "204"),
    ]
    return Users(Directory(users, {}))


class RecordedAMI:
    """Answers list actions as recorded; ``during_channels`` runs while CoreShowChannels is "in flight"."""

    connected = True

    def __init__(self, actions, during_channels=None):
        self.actions = {action_key(entry["action"]): entry for entry in actions}
        self.during_channels = during_channels
        self.sent = []

    async def send_list_action(self, fields, timeout=None, raw=False):
        self.sent.append(action_key(fields))
        await asyncio.sleep(0)
        if fields["Action"] == "CoreShowChannels" and self.during_channels is not None:
            await self.during_channels()
        entry = self.actions.get(action_key(fields))
        if entry is None or entry["response"].get("Response") != "Success":
            raise RuntimeError("refused")
        return [message(e) for e in entry["events"]]


def service(ami, hooks=None):
    hooks = [] if hooks is None else hooks

    async def notify(hook, **kwargs):
        hooks.append((hook, kwargs))

    tasks = []

    def spawn(coro, name):
        task = asyncio.ensure_future(coro)
        tasks.append(task)
        return task

    return Astproxy(ami, demo_users(), DEMO_STATICS, notify, lambda hook: True, spawn)


async def test_events_during_a_load_are_replayed_on_the_new_model(transcript):
    recorded = transcript("basic_call")
    astproxy = None

    async def call_happens():  # the call starts after the endpoints were listed, before the channels are
        for event in recorded.until("connected"):
            await astproxy.handle(event)

    ami = RecordedAMI(recorded.raw["boot"], call_happens)
    astproxy = service(ami)
    await astproxy.load()
    assert not astproxy.loading
    (ref,) = astproxy.conversations("201")
    assert ref.id == "PJSIP/201-00000000>PJSIP/202-00000001" and ref.dest.status == "up"
    assert astproxy.extension("202").status == "busy"


async def test_events_already_in_the_snapshot_change_nothing(transcript):
    recorded = transcript("basic_call")
    astproxy = None

    async def late_events():  # everything up to the checkpoint is already in the answers
        for event in recorded.until("connected"):
            await astproxy.handle(event)

    astproxy = service(RecordedAMI(recorded.raw["connected"], late_events))
    await astproxy.load()
    reference = service(RecordedAMI(recorded.raw["connected"]))
    await reference.load()
    assert astproxy.extensions_json(None) == reference.extensions_json(None)


async def test_loading_asks_little(transcript):
    ami = RecordedAMI(transcript("basic_call").raw["boot"])
    astproxy = service(ami)
    await astproxy.load()
    assert sorted(ami.sent) == sorted([
        "PJSIPShowEndpoints", "PJSIPShowEndpoint 201", "PJSIPShowEndpoint 91201", "PJSIPShowEndpoint 202",
        "PJSIPShowEndpoint 203", "PJSIPShowEndpoint 204", "DBGetTree DND", "DBGetTree CF", "DBGetTree CFB",
        "DBGetTree CFU", "CoreShowChannels", "QueueStatus", "Parkinglots", "ParkedCalls", "ConfbridgeListRooms",
        "PJSIPShowRegistrationsOutbound",
    ])
    assert astproxy.extension("201").mac == "00-11-22-aa-bb-cc"
    assert set(astproxy.model.extensions) == {"201", "91201", "202", "203", "204"}


async def test_recording_state_is_announced_and_survives_a_reload(transcript):
    recorded = transcript("basic_call")
    hooks = []
    astproxy = service(RecordedAMI(recorded.raw["connected"]), hooks)
    await astproxy.load()
    convid = astproxy.conversations("201")[0].id
    hooks.clear()
    await astproxy.set_recording(convid, "true")
    changed = {kwargs["extension"].exten for hook, kwargs in hooks if hook == "extension_changed"}
    assert changed == {"201", "202"}
    assert astproxy.extension_json("202", None)["conversations"][convid]["recording"] == "true"
    await astproxy.load()
    assert astproxy.extension_json("201", None)["conversations"][convid]["recording"] == "true"
    for event in recorded.events[len(list(recorded.until("connected"))):]:
        await astproxy.handle(event)
    assert not astproxy.model.recordings  # forgotten with the channels


async def test_a_failed_load_keeps_the_previous_model(transcript):
    recorded = transcript("basic_call")
    astproxy = service(RecordedAMI(recorded.raw["boot"]))
    await astproxy.load()
    before = astproxy.model
    astproxy.ami = RecordedAMI([])  # PJSIPShowEndpoints refused
    with pytest.raises(RuntimeError):
        await astproxy.load()
    assert astproxy.model is before and not astproxy.loading
