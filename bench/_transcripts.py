"""The recorded call scenarios (plugins/astproxy/tests/transcripts) as an endless AMI stream with fresh ids.

Every replay of a scenario gets channel names, uniqueids/linkedids and bridge ids of its own, so the
calls of one loop never collide with those of the loops before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from _common import TRANSCRIPTS
from nethcti_astproxy.testing import read_transcript

CHANNEL_SUFFIX = re.compile(r"-([0-9a-f]{8})(?=;[12]|\r|,)")  # PJSIP/201-0000000a, Local/201@ctx-0000000b;1
UNIQUEID = re.compile(r"(\d{10})\.(\d+)")  # 1795740376.12
BRIDGE = re.compile(r"([0-9a-f]{8})(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")  # a uuid


@dataclass
class Scenario:
    name: str
    text: str  # its events, AMI-encoded, in order
    events: int
    calls: int  # distinct linkedids of its channels


def encode(event) -> str:
    """A recorded event (a panoramisk Message) as Asterisk writes it: ``Event`` first."""
    fields = {"Event": event["Event"]} | {k: v for k, v in event.items() if k != "content"}
    return "".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n"


def load_scenarios() -> list[Scenario]:
    scenarios = []
    for path in sorted(TRANSCRIPTS.glob("*.jsonl")):
        events = [e for e in read_transcript(path).events if e.get("Event") != "FullyBooted"]
        calls = {e.get("Linkedid") for e in events if e.get("Event") == "Newchannel"}
        scenarios.append(Scenario(path.stem, "".join(map(encode, events)), len(events), len(calls)))
    return scenarios


def boot_actions() -> list[dict]:
    """The loader's list actions and their answers, recorded on the demo PBX at rest."""
    return read_transcript(TRANSCRIPTS / "basic_call.jsonl").raw["boot"]


class Stream:
    """Loop ``n`` of every scenario, encoded with ids nobody used before."""

    def __init__(self, scenarios: list[Scenario]):
        self.scenarios = scenarios
        self.events_per_loop = sum(s.events for s in scenarios)
        self.calls_per_loop = sum(s.calls for s in scenarios)

    def loop(self, n: int) -> bytes:
        parts = []
        for index, scenario in enumerate(self.scenarios):
            unit = n * len(self.scenarios) + index + 1  # 0 would be the recording itself
            parts.append(fresh_ids(scenario.text, unit))
        return "".join(parts).encode()


def fresh_ids(text: str, unit: int) -> str:
    text = CHANNEL_SUFFIX.sub(lambda m: f"-{int(m[1], 16) + unit * 0x100:08x}", text)
    text = UNIQUEID.sub(lambda m: f"{m[1]}.{int(m[2]) + unit * 1000}", text)
    return BRIDGE.sub(lambda m: f"{(int(m[1], 16) + unit) & 0xFFFFFFFF:08x}{m[2]}", text)
