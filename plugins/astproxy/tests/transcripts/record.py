"""Record the AMI transcripts the model tests replay, from the real demo PBX.

    .venv/bin/python plugins/astproxy/tests/transcripts/record.py [scenario ...]

One JSON-lines file per scenario. Each line is one of:
``{"snapshot": "<name>", "actions": [{"action", "response", "events"}, ...]}`` (the answers of the
list actions the model loads from, at a quiet moment: ``boot`` first, then checkpoints) or
``{"event": {...}}`` (an AMI event, in order). Noise the model does not read (VarSet, TestEvent,
RTCP, CEL, Cdr) is left out.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from demopbx import DemoPBX, get  # noqa: E402

HERE = Path(__file__).resolve().parent
NOISE = {"VarSet", "TestEvent", "RTCPSent", "RTCPReceived", "CEL", "Cdr", "SuccessfulAuth", "ChallengeSent"}
EXTENSIONS = ("201", "91201", "202", "203", "204", "trunk1")


def list_actions(ami) -> list[tuple[dict, list[str]]]:
    """The list actions the loader sends, as (fields, ...) for the endpoints the demo PBX has."""
    actions = [{"Action": "PJSIPShowEndpoints"}]
    actions += [{"Action": "PJSIPShowEndpoint", "Endpoint": e} for e in EXTENSIONS]
    actions += [{"Action": "PJSIPShowRegistrationsOutbound"}]
    actions += [{"Action": "DBGetTree", "Family": f} for f in ("DND", "CF", "CFB", "CFU")]
    actions += [
        {"Action": "CoreShowChannels"}, {"Action": "QueueStatus"}, {"Action": "Parkinglots"},
        {"Action": "ParkedCalls"}, {"Action": "ConfbridgeListRooms"},
    ]
    return actions


ENDPOINT_DETAIL = {"Event", "ObjectType", "ObjectName", "Context", "Allow", "DeviceState", "Callerid"}
DROPPED_DETAILS = {"TransportDetail", "AorDetail", "AuthDetail", "IdentifyDetail"}


def strip(message: dict) -> dict:
    """Without ActionID and Privilege; PJSIPShowEndpoint's endpoint detail cut to what the model reads."""
    if message.get("Event") == "EndpointDetail":
        return {k: v for k, v in message.items() if k in ENDPOINT_DETAIL}
    return {k: v for k, v in message.items() if k not in ("ActionID", "Privilege")}


def kept(events: list[dict]) -> list[dict]:
    return [strip(e) for e in events if e.get("Event") not in DROPPED_DETAILS]


def snapshot(ami, name: str) -> dict:
    entries = []
    rooms = []
    for fields in list_actions(ami):
        response, events = ami.list_action(fields["Action"], **{k: v for k, v in fields.items() if k != "Action"})
        entries.append({"action": fields, "response": strip(response), "events": kept(events)})
        if fields["Action"] == "ConfbridgeListRooms":
            rooms = [get(e, "Conference") for e in events]
    for room in rooms:
        response, events = ami.list_action("ConfbridgeList", Conference=room)
        entries.append({
            "action": {"Action": "ConfbridgeList", "Conference": room},
            "response": strip(response), "events": kept(events),
        })
    return {"snapshot": name, "actions": entries}


class Recorder:
    def __init__(self, pbx: DemoPBX, name: str):
        self.pbx, self.name = pbx, name
        self.lines: list[dict] = []
        self.events = pbx.ami()
        self.actions = pbx.ami(events="off")
        self.checkpoint("boot")

    def drain(self, seconds: float = 0.3) -> None:
        for message in self.events.collect(seconds):
            if "Event" in message and message["Event"] not in NOISE:
                self.lines.append({"event": {k: v for k, v in message.items() if k != "Privilege"}})

    def settle(self, quiet: float = 0.4, limit: float = 8.0) -> None:
        """Read events until none arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = len(self.lines)
            got = self.events.collect(quiet)
            for message in got:
                if "Event" in message and message["Event"] not in NOISE:
                    self.lines.append({"event": {k: v for k, v in message.items() if k != "Privilege"}})
            if not got and len(self.lines) == before:
                return

    def checkpoint(self, name: str) -> None:
        self.settle()
        self.lines.append(snapshot(self.actions, name))

    def act(self, action: str, **fields) -> dict:
        return self.actions.action(action, **fields)

    def channel_of(self, exten: str) -> str:
        for channel in self.pbx.channels():
            if channel.startswith(f"PJSIP/{exten}-"):
                return channel
        raise RuntimeError(f"no channel of {exten}: {self.pbx.channels()}")

    def wait_channels(self, count: int, limit: float = 8.0) -> None:
        deadline = time.monotonic() + limit
        while len(self.pbx.channels()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"expected {count} channels: {self.pbx.channels()}")
            time.sleep(0.05)

    def wait_channel(self, exten: str, limit: float = 8.0) -> None:
        deadline = time.monotonic() + limit
        while not any(c.startswith(f"PJSIP/{exten}-") for c in self.pbx.channels()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no channel of {exten}: {self.pbx.channels()}")
            time.sleep(0.05)

    def wait_idle(self, limit: float = 8.0) -> None:
        deadline = time.monotonic() + limit
        while self.pbx.channels():
            if time.monotonic() > deadline:
                raise RuntimeError(f"channels left: {self.pbx.channels()}")
            time.sleep(0.05)

    def originate(self, channel: str, exten: str, **extra) -> None:
        fields = {"Channel": channel, "Context": "from-internal", "Exten": exten, "Priority": "1", "Async": "true"}
        fields.update(extra)
        self.act("Originate", **fields)

    def save(self) -> Path:
        self.checkpoint("end")
        self.events.close()
        self.actions.close()
        path = HERE / f"{self.name}.jsonl"
        path.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in self.lines))
        return path


# ----------------------------------------------------------------------------------- scenarios


def basic_call(r: Recorder) -> None:
    """201 calls 202 (Originate), 202 answers, 202 hangs up."""
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.checkpoint("connected")
    r.act("Hangup", Channel=r.channel_of("202"))
    r.wait_idle()


def ringing_call(r: Recorder) -> None:
    """201 calls 202, which rings; 201 gives up."""
    r.pbx.set_phone("202", "ring")
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.checkpoint("ringing")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.wait_idle()


def queue_answer(r: Recorder) -> None:
    """203 calls queue 401 (ringall 201, 202); 202 only rings, 201 answers."""
    r.pbx.set_phone("202", "ring")
    r.originate("PJSIP/203", "401", CallerID="203")
    r.wait_channel("201")
    r.checkpoint("connected")
    r.act("Hangup", Channel=r.channel_of("203"))
    r.wait_idle()


def queue_waiting(r: Recorder) -> None:
    """203 calls queue 402 where nobody is logged in: it waits; 201 logs in and answers."""
    r.originate("PJSIP/203", "402", CallerID="203")
    r.wait_channels(1)
    r.checkpoint("waiting")
    r.act("QueueAdd", Queue="402", Interface="Local/201@from-queue/n", MemberName="Alice Rossi",
          StateInterface="hint:201@ext-local")
    r.wait_channel("201")
    r.checkpoint("connected")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.wait_idle()
    r.act("QueueRemove", Queue="402", Interface="Local/201@from-queue/n")


def attended_transfer(r: Recorder) -> None:
    """201 calls 202; 201 transfers 202 to 203 (attended); 202 and 203 talk."""
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.checkpoint("connected")
    r.act("Atxfer", Channel=r.channel_of("201"), Exten="203", Context="from-internal")
    r.wait_channels(3)
    r.checkpoint("consulting")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.checkpoint("transferred")
    r.act("Hangup", Channel=r.channel_of("203"))
    r.wait_idle()


def blind_transfer(r: Recorder) -> None:
    """201 calls 202; 201 blind-transfers 202 to 203."""
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.act("BlindTransfer", Channel=r.channel_of("201"), Exten="203", Context="from-internal")
    r.checkpoint("transferred")
    r.act("Hangup", Channel=r.channel_of("203"))
    r.wait_idle()


def pickup(r: Recorder) -> None:
    """201 calls 202, which rings; 203 picks the call up with **202."""
    r.pbx.set_phone("202", "ring")
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.checkpoint("ringing")
    r.originate("PJSIP/203", "**202", CallerID="203")
    r.checkpoint("picked")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.wait_idle()


def park(r: Recorder) -> None:
    """201 calls 202; 202 is parked (AMI Park) in 701; 203 picks it up dialling 701."""
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.act("Park", Channel=r.channel_of("202"), TimeoutChannel=r.channel_of("201"))
    r.checkpoint("parked")
    r.originate("PJSIP/203", "701", CallerID="203")
    r.checkpoint("retrieved")
    r.act("Hangup", Channel=r.channel_of("203"))
    r.wait_idle()


def local_originate(r: Recorder) -> None:
    """Click-to-call through a Local channel: Local/201@from-internal to 202."""
    r.originate("Local/201@from-internal", "202", CallerID="201")
    r.wait_channels(4)
    r.checkpoint("connected")
    r.act("Hangup", Channel=r.channel_of("202"))
    r.wait_idle()


def dnd_from_phone(r: Recorder) -> None:
    """201 dials *78 (DND on), then *79 (off); 202 dials *78 and stays DND."""
    r.originate("PJSIP/201", "*78", CallerID="201")
    r.checkpoint("on")
    r.originate("PJSIP/201", "*79", CallerID="201")
    r.checkpoint("off")
    r.originate("PJSIP/202", "*78", CallerID="202")
    r.settle()
    r.wait_idle()


def cf_from_phone(r: Recorder) -> None:
    """201: CF to 203, CFB to 204, CFU to voicemail; then CF off; 202: CF to voicemail."""
    for code in ("*72203", "*90204", "*52vmu201"):
        r.originate("PJSIP/201", code, CallerID="201")
        r.settle()
    r.checkpoint("on")
    r.originate("PJSIP/201", "*73", CallerID="201")
    r.originate("PJSIP/202", "*72vmu202", CallerID="202")
    r.settle()
    r.wait_idle()


def conference(r: Recorder) -> None:
    """201 opens its room 8201, 202 joins, 202 is muted, 202 leaves, 201 leaves."""
    r.originate("PJSIP/201", "8201", CallerID="201")
    r.wait_channels(1)
    r.originate("PJSIP/202", "8201", CallerID="202")
    r.wait_channels(2)
    r.checkpoint("joined")
    r.act("ConfbridgeMute", Conference="8201", Channel=r.channel_of("202"))
    r.checkpoint("muted")
    r.act("Hangup", Channel=r.channel_of("202"))
    r.checkpoint("left")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.wait_idle()


def trunk_calls(r: Recorder) -> None:
    """An outside caller reaches 203 through the trunk context; 201 calls out through trunk1."""
    r.act("Originate", Channel="Local/203@from-trunk", Context="app-blackhole", Exten="answer", Priority="1",
          CallerID='"Mario" <0612345678>', Async="true")
    r.wait_channels(3)
    r.checkpoint("incoming")
    r.pbx.hangup_all()
    r.settle()
    r.originate("PJSIP/201", "0612345678", CallerID="201")
    r.wait_channels(2)
    r.checkpoint("outgoing")
    r.act("Hangup", Channel=r.channel_of("201"))
    r.wait_idle()


def busy_and_dnd(r: Recorder) -> None:
    """201 calls 202 which answers 486; then 203 calls 202 in DND; then 201 calls 204 (offline)."""
    r.pbx.set_phone("202", "busy")
    r.originate("PJSIP/201", "202", CallerID="201")
    r.settle()
    r.wait_idle()
    r.pbx.set_phone("202", "answer")
    r.pbx.db_put("DND", "202", "YES")
    r.originate("PJSIP/203", "202", CallerID="203")
    r.settle()
    r.wait_idle()
    r.originate("PJSIP/201", "204", CallerID="201")
    r.settle()
    r.wait_idle()


def queue_members(r: Recorder) -> None:
    """201 pauses in 401 (reason "lunch") and resumes; 203 logs in to 402 with *45 and out again."""
    r.act("QueuePause", Queue="401", Interface="Local/201@from-queue/n", Paused="true", Reason="lunch")
    r.checkpoint("paused")
    r.act("QueuePause", Queue="401", Interface="Local/201@from-queue/n", Paused="false")
    r.originate("PJSIP/203", "*45", CallerID="203")
    r.checkpoint("logged_in")
    r.originate("PJSIP/203", "*45", CallerID="203")
    r.settle()
    r.wait_idle()


def spy(r: Recorder) -> None:
    """201 calls 202; 203 listens to 201's channel (ChanSpy, as nethcti's start_spy does)."""
    r.originate("PJSIP/201", "202", CallerID="201")
    r.wait_channels(2)
    r.act("Originate", Channel="PJSIP/203", Application="ChanSpy", Data=f"{r.channel_of('201')},qS",
          CallerID="<unknown>", Async="true")
    r.wait_channel("203")
    r.checkpoint("spying")
    r.act("Hangup", Channel=r.channel_of("203"))
    r.settle()
    r.act("Hangup", Channel=r.channel_of("202"))
    r.wait_idle()


SCENARIOS = {f.__name__: f for f in (
    basic_call, ringing_call, queue_answer, queue_waiting, attended_transfer, blind_transfer, pickup, park,
    local_originate, dnd_from_phone, cf_from_phone, conference, trunk_calls, busy_and_dnd, queue_members,
    spy,
)}


def main(names: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="astproxy-record-") as workdir, DemoPBX(workdir) as pbx:
        for name in names or list(SCENARIOS):
            pbx.reset()
            recorder = Recorder(pbx, name)
            SCENARIOS[name](recorder)
            path = recorder.save()
            print(f"{name}: {sum(1 for line in recorder.lines if 'event' in line)} events -> {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
