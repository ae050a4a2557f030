"""Test helpers: recorded model transcripts (tests/transcripts/*.jsonl), models built from them, a fake AMI.

A transcript line is ``{"snapshot": name, "actions": [{"action", "response", "events"}]}`` (the list
actions the loader sends, answered at a quiet moment) or ``{"event": {...}}`` (one AMI event).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panoramisk.message import Message

from nethcti_astproxy.loader import Snapshot, action_key, build_model
from nethcti_astproxy.model import Account, Model
from nethcti_astproxy.statics import QueueInfo, Statics, TrunkInfo


def message(fields: Mapping[str, str]) -> Message:
    """An AMI message as the ami plugin hands it over (case-insensitive headers)."""
    return Message(dict(fields))


def snapshot_of(actions: list[dict]) -> Snapshot:
    snapshot = Snapshot()
    for entry in actions:
        if entry["response"].get("Response") == "Success":
            snapshot[action_key(entry["action"])] = [message(e) for e in entry["events"]]
    return snapshot


@dataclass
class Transcript:
    name: str
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    raw: dict[str, list[dict]] = field(default_factory=dict)  # snapshot name -> recorded actions
    steps: list[tuple[str, Any]] = field(default_factory=list)  # ("event", Message) | ("snapshot", name)

    @property
    def events(self) -> list[Message]:
        return [item for kind, item in self.steps if kind == "event"]

    def until(self, checkpoint: str) -> Iterator[Message]:
        """The events recorded before snapshot ``checkpoint``."""
        for kind, item in self.steps:
            if kind == "snapshot" and item == checkpoint:
                return
            if kind == "event":
                yield item
        raise KeyError(checkpoint)


def read_transcript(path: str | Path) -> Transcript:
    path = Path(path)
    transcript = Transcript(path.stem)
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "snapshot" in entry:
            transcript.snapshots[entry["snapshot"]] = snapshot_of(entry["actions"])
            transcript.raw[entry["snapshot"]] = entry["actions"]
            transcript.steps.append(("snapshot", entry["snapshot"]))
        else:
            transcript.steps.append(("event", message(entry["event"])))
    return transcript


def model_at(transcript: Transcript, checkpoint: str, statics: Statics, accounts: Mapping[str, Account]) -> Model:
    """A model loaded from the snapshot taken at ``checkpoint``."""
    return build_model(transcript.snapshots[checkpoint], statics, accounts)


def fake_ami_answers(fake, actions: list[dict]) -> None:
    """Make a nethcti_ami.testing.FakeAMI answer the loader's list actions as recorded in ``actions``."""
    by_key = {action_key(entry["action"]): entry for entry in actions}

    def answer(fields: dict[str, str]) -> list:
        wanted = {k: v for k, v in fields.items() if k not in ("ActionID",)}
        entry = by_key.get(action_key(wanted))
        if entry is None:
            return [{"Response": "Error", "Message": "Not recorded"}]
        if entry["response"].get("Response") != "Success":
            return [dict(entry["response"])]
        complete = {"Event": f"{wanted['Action']}Complete", "EventList": "Complete",
                    "ListItems": str(len(entry["events"]))}
        return [dict(entry["response"]), *entry["events"], complete]

    for name in {entry["action"]["Action"] for entry in actions} | {"ConfbridgeList", "DBGet"}:
        fake.answer(name, answer)


# the demo PBX (docs/demo-pbx.md), as the users and astproxy sections of tests/conf describe it
DEMO_STATICS = Statics(
    queues={"401": QueueInfo("Support"), "402": QueueInfo("Sales", ("203",))},
    feature_codes={"confbridge_conf": "8", "pickup": "**"},
    operator_groups={"Support": ["alice", "bob"]},
)
DEMO_STATICS_WITH_TRUNK = Statics(
    queues=DEMO_STATICS.queues, feature_codes=DEMO_STATICS.feature_codes, trunks={"trunk1": TrunkInfo("Provider")},
)
DEMO_ACCOUNTS = {
    "201": Account("Alice Rossi", "alice"), "91201": Account("Alice Rossi", "alice"),
    "202": Account("Bob Bianchi", "bob"), "203": Account("Carol Verdi", "carol"), "204": Account("Dave Neri", "dave"),
}


PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}

# alice: every permission, no privacy; bob: queue agent with privacy; carol: privacy and nothing else;
# dave: supervisor of queue 401 with privacy and in-queue data in clear (ad_queue_agent)
USERS_TOML = """
[users]
enabled = true

[users.profiles.full]
name = "Full"
permissions = ["settings.dnd", "settings.parkings", "queue_agent.ad_queue_agent", "presence_panel.trunks",
               "qmanager.qmanager_401", "operator_panel.in_queue_401", "operator_panel.waiting_queue_3"]

[users.profiles.agent]
name = "Agent with privacy"
permissions = ["settings.privacy", "settings.dnd", "settings.parkings", "queue_agent", "presence_panel.trunks"]

[users.profiles.basic]
name = "Basic"
permissions = ["settings.privacy"]

[users.profiles.supervisor]
name = "Supervisor"
permissions = ["settings.privacy", "queue_agent.ad_queue_agent", "qmanager.qmanager_402", "settings.dnd"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "full"
mainextension = "201"
extensions = ["201", { id = "91201", type = "webrtc", user = "91201", password = "sip-secret" }]

[users.accounts.bob]
name = "Bob Bianchi"
profile = "agent"
mainextension = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "basic"
mainextension = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "supervisor"
mainextension = "204"
"""

ASTPROXY_TOML = """
[database]
enabled = true

[auth]
enabled = true

[astproxy]
enabled = true
queue_stats_interval = 0

[astproxy.queues.401]
name = "Support"

[astproxy.queues.402]
name = "Sales"
dynmembers = ["203"]

[astproxy.feature_codes]
confbridge_conf = "8"
pickup = "**"
"""


def demo_conf(tmp_path, ami_port: int, username: str = "nethcti", secret: str = "secret", extra: str = "",
              **ami_options) -> Path:
    """conf.d with ami (on ``ami_port``, more ``[ami]`` keys in ``ami_options``), the demo PBX's users
    (alice 201 + 91201, bob 202, carol 203, dave 204; passwords ``<name>-pw``), database, auth, astproxy."""
    from nethcti_ami.testing import ami_conf
    from nethcti_auth.passwords import PasswordFile

    conf_dir = ami_conf(tmp_path, ami_port, username, secret, **ami_options)
    (conf_dir / "60-app.toml").write_text(USERS_TOML + ASTPROXY_TOML + extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user, password in PASSWORDS.items():
        passwords.set(user, password)
    return conf_dir
