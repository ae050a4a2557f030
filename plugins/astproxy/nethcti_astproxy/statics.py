"""What Asterisk does not tell: trunks and queues to show, feature codes, operator groups, the prefix.

Read from NethVoice's JSON files (``ast_objects.json``, ``operator.json``, ``asterisk.json``) and/or
conf.d; conf.d entries win over the files' entries of the same name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class StaticsError(Exception):
    """A configured file cannot be read or has the wrong shape; the message names the file."""


@dataclass(frozen=True)
class TrunkInfo:
    name: str
    tech: str = "pjsip"
    maxchans: int = 4


@dataclass(frozen=True)
class QueueInfo:
    name: str
    dynmembers: tuple[str, ...] = ()
    sla: str | None = None


@dataclass(frozen=True)
class Statics:
    prefix: str = ""
    trunks: dict[str, TrunkInfo] = field(default_factory=dict)
    queues: dict[str, QueueInfo] = field(default_factory=dict)  # empty: every queue Asterisk has
    feature_codes: dict[str, str] = field(default_factory=dict)
    operator_groups: dict[str, list[str]] = field(default_factory=dict)
    transfer_context: str = "from-internal"
    trunk_conversations: bool = True
    recordings_dir: str = "/var/spool/asterisk/monitor"
    outgoing_dir: str = "/var/spool/asterisk/outgoing"  # wake-up call files
    outgoing_tmp_dir: str = "/var/spool/asterisk/tmp"

    @property
    def confbridge_code(self) -> str:
        return self.feature_codes.get("confbridge_conf", "")


def _read_json(path: str, what: str) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise StaticsError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise StaticsError(f"{what}: {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise StaticsError(f"{what}: {path} must hold a JSON object")
    return document


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def load_statics(config: dict[str, Any]) -> Statics:
    """The static PBX data from ``[astproxy]``: files first, then conf.d tables."""
    trunks: dict[str, TrunkInfo] = {}
    queues: dict[str, QueueInfo] = {}
    codes: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    transfer_context = "from-internal"
    prefix = ""

    if path := config.get("ast_objects_file"):
        objects = _read_json(path, "[astproxy] ast_objects_file")
        for name, trunk in (objects.get("trunks") or {}).items():
            trunk = trunk if isinstance(trunk, dict) else {}
            trunks[str(name)] = TrunkInfo(str(trunk.get("name") or name), str(trunk.get("tech") or "pjsip").lower(),
                                          _int(trunk.get("maxchans"), 4))
        for qid, queue in (objects.get("queues") or {}).items():
            queue = queue if isinstance(queue, dict) else {}
            dyn = queue.get("dynmembers") or []
            queues[str(qid)] = QueueInfo(str(queue.get("name") or qid), tuple(str(m) for m in dyn if m),
                                         None if queue.get("sla") is None else str(queue.get("sla")))
        codes.update({str(k): str(v) for k, v in (objects.get("feature_codes") or {}).items() if v is not None})
        transfer_context = str(objects.get("transfer_context") or transfer_context)

    if path := config.get("operator_file"):
        document = _read_json(path, "[astproxy] operator_file")
        for group, users in (document.get("groups") or {}).items():
            groups[str(group)] = [str(u) for u in users] if isinstance(users, list) else []

    if path := config.get("asterisk_json"):
        prefix = str(_read_json(path, "[astproxy] asterisk_json").get("prefix") or "")

    for name, trunk in config.get("trunks", {}).items():
        trunks[name] = TrunkInfo(trunk["name"] or name, trunk["tech"], trunk["maxchans"])
    for qid, queue in config.get("queues", {}).items():
        queues[qid] = QueueInfo(queue["name"] or qid, tuple(queue["dynmembers"]), queue["sla"])
    codes.update(config.get("feature_codes", {}))
    groups.update(config.get("operator_groups", {}))
    if config.get("prefix") is not None:
        prefix = config["prefix"]

    return Statics(
        prefix=prefix, trunks=trunks, queues=queues, feature_codes=codes, operator_groups=groups,
        transfer_context=transfer_context, trunk_conversations=config.get("trunk_conversations", True),
        recordings_dir=config.get("recordings_dir", Statics.recordings_dir).rstrip("/") or "/",
        outgoing_dir=config.get("outgoing_dir", Statics.outgoing_dir),
        outgoing_tmp_dir=config.get("outgoing_tmp_dir", Statics.outgoing_tmp_dir),
    )
