"""What the model announces through its hooks while following recorded calls: changes only, in order."""

import itertools

import pytest
from nethcti_astproxy.loader import build_model
from nethcti_astproxy.publish import Publisher
from nethcti_astproxy.render import Renderer
from nethcti_astproxy.testing import DEMO_ACCOUNTS, DEMO_STATICS_WITH_TRUNK


class Recorder:
    def __init__(self):
        self.calls = []  # (hook, argument)
        self.render = None

    async def notify(self, hook, **kwargs):
        (argument,) = kwargs.values()
        if hook == "extension_changed":  # what a client would receive, taken at once
            argument = self.render().extension(argument)
        self.calls.append((hook, argument))

    def of(self, hook):
        return [argument for name, argument in self.calls if name == hook]


async def follow(transcript, name, listening=lambda hook: True):
    recorded = transcript(name)
    model = build_model(recorded.snapshots["boot"], DEMO_STATICS_WITH_TRUNK, DEMO_ACCOUNTS)
    recorder = Recorder()
    recorder.render = lambda: Renderer(model, now=0)
    publisher = Publisher(recorder.notify, listening)
    publisher.seal(model)
    for event in recorded.events:
        model.apply(event)
        await publisher.flush(model)
    return model, recorder


def strip_clock(extension: dict) -> dict:
    conversations = extension["conversations"]
    return {**extension, "conversations": {
        convid: {k: v for k, v in conv.items() if k != "duration"} for convid, conv in conversations.items()
    }}


def changes(values: list) -> list:
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


async def test_an_extension_is_announced_only_when_it_changes(transcript):
    _, recorder = await follow(transcript, "basic_call")
    alice = [e for e in recorder.of("extension_changed") if e["exten"] == "201"]
    for before, after in itertools.pairwise(alice):
        assert strip_clock(before) != strip_clock(after)
    # Originate rings alice first; her channel exists (down) before her phone rings
    assert changes([e["status"] for e in alice]) == ["online", "ringing", "busy", "online"]
    bob = [e for e in recorder.of("extension_changed") if e["exten"] == "202"]
    assert changes([e["status"] for e in bob]) == ["online", "ringing", "busy", "online"]
    assert not alice[-1]["conversations"] and not bob[-1]["conversations"]
    connected = [e for e in alice if any(c["connected"] for c in e["conversations"].values())]
    assert list(connected[0]["conversations"]) == ["PJSIP/201-00000000>PJSIP/202-00000001"]
    untouched = {e["exten"] for e in recorder.of("extension_changed")} - {"201", "202"}
    assert not untouched  # carol, dave and alice's webrtc device never changed


async def test_call_moments_are_announced(transcript):
    _, recorder = await follow(transcript, "basic_call")
    (ringing,) = recorder.of("extension_ringing")
    assert ringing.to_json() == {"numCalled": "202", "callerNum": "201", "callerName": "Alice Rossi",
                                 "callerHasConf": False}
    connected = {c.num1: c.to_json() for c in recorder.of("conversation_connected")}
    assert connected["201"]["num2"] == "202" and connected["201"]["direction"] == "out"
    assert connected["202"]["direction"] == "in" and not connected["202"]["throughTrunk"]
    hangups = {h.exten: h.to_json() for h in recorder.of("extension_hangup")}
    assert hangups["202"] == {"cause": "normal_clearing", "callerNum": "202", "channelExten": "202",
                              "calledNum": "201"}
    hooks = [hook for hook, _ in recorder.calls]
    assert hooks.index("extension_ringing") < hooks.index("conversation_connected")


@pytest.mark.parametrize(("name", "hook"), [
    ("queue_waiting", "queue_changed"), ("queue_members", "queue_member_changed"), ("park", "parking_changed"),
    ("trunk_calls", "trunk_changed"), ("conference", "conference_changed"), ("conference", "conference_ended"),
    ("dnd_from_phone", "extension_setting_changed"),
])
async def test_other_objects_are_announced(transcript, name, hook):
    _, recorder = await follow(transcript, name)
    assert recorder.of(hook)


async def test_queue_and_parking_announcements(transcript):
    _, recorder = await follow(transcript, "queue_waiting")
    sales = [q for q in recorder.of("queue_changed") if q.queue == "402"]
    assert sales  # the waiting caller came and went
    _, recorder = await follow(transcript, "park")
    parkings = recorder.of("parking_changed")
    assert [p.parking for p in parkings] == ["701", "701"]  # parked, then picked up
    _, recorder = await follow(transcript, "conference")
    assert recorder.of("conference_ended") == ["201"]


async def test_nobody_listening_costs_no_signature(transcript):
    model, recorder = await follow(transcript, "basic_call", listening=lambda hook: False)
    assert not recorder.calls
    assert all(not (m.dirty_extensions or m.notices) for m in [model])
