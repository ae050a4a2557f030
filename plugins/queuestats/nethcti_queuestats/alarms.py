"""Queue alarms from thresholds on the live model (NethVoice's collectd alarms): callers waiting (``queueload``),
the longest wait (``queueholdtime``), agents free to answer (``queuefewop``); each ``okay``, ``warning`` or
``failure``. A change is kept for ``qalarms`` and sent as ``qmAlarm`` to the supervisors' room."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from nethcti import ServerEvent
from nethcti_queuestats.service import OPERATOR_QUEUE

ALARMS = ("queueload", "queueholdtime", "queuefewop")
OKAY, WARNING, FAILURE = "okay", "warning", "failure"
ROOM = "qmanager_evt"  # the original's room of qmanager users (websocket plugin)


def at_least(value: float, warning: int, failure: int) -> str:
    """Status of a figure that is bad when high; a threshold of 0 is off."""
    if failure and value >= failure:
        return FAILURE
    return WARNING if warning and value >= warning else OKAY


def fewer_than(value: float, warning: int, failure: int) -> str:
    """Status of a figure that is bad when low (fewer than the threshold); 0 is off."""
    if failure and value < failure:
        return FAILURE
    return WARNING if warning and value < warning else OKAY


class Alarms:
    """The alarm states of every queue, measured every ``interval`` seconds."""

    def __init__(self, astproxy: Any, config: dict, emit: Callable[[dict], Awaitable[None]],
                 clock: Callable[[], float] = time.time):
        self.astproxy, self.config, self.emit, self.clock = astproxy, config, emit, clock
        self.enabled = config["alarms"]
        self.states: dict[str, dict[str, dict]] = {}  # queue -> alarm -> {status, date}

    def measure(self, queue: Any) -> dict[str, str]:
        c, now = self.config, self.clock()
        waiting = len(queue.waiting)
        longest = max((now - caller.since for caller in queue.waiting.values()), default=0)
        free = sum(1 for m in queue.members.values() if m.logged_in and not m.paused)
        return {
            "queueload": at_least(waiting, c["queueload_warning"], c["queueload_failure"]),
            "queueholdtime": at_least(longest, c["queueholdtime_warning"], c["queueholdtime_failure"]),
            "queuefewop": fewer_than(free, c["queuefewop_warning"], c["queuefewop_failure"]),
        }

    async def check(self) -> list[dict]:
        """Measure every queue; the changes (an alarm raised, changed or back to okay) are kept and sent."""
        model = self.astproxy.model
        if not self.enabled or model is None:
            return []
        changes = []
        for qid, queue in model.queues.items():
            if OPERATOR_QUEUE in qid:
                continue
            known = self.states.get(qid, {})
            for alarm, status in self.measure(queue).items():
                previous = known.get(alarm, {}).get("status", OKAY)
                if status == previous:
                    continue
                date = datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="milliseconds")
                self.states.setdefault(qid, {})[alarm] = {"status": status, "date": date.replace("+00:00", "Z")}
                changes.append({"date": self.states[qid][alarm]["date"], "status": status, "alarm": alarm,
                                "queue": qid})
        for change in changes:
            logger.info("queue {queue}: alarm {alarm} {status}", **change)
            await self.emit(change)
        return changes

    async def run(self, interval: float) -> None:
        """Check every ``interval`` seconds until cancelled; a failing check is logged, the next one comes."""
        while True:
            try:
                await self.check()
            except Exception:
                logger.exception("queuestats: the alarm check failed")
            await asyncio.sleep(interval)

    def listing(self, queues: list[str]) -> dict:
        """``qalarms``: the alarms of ``queues`` (raised at least once) and whether alarms are on."""
        return {"list": {q: dict(self.states[q]) for q in queues if q in self.states}, "status": self.enabled}

# What this module emits (the plugin's ``socketio_events``, listed in /openapi.json)
SERVER_EVENTS = (
    ServerEvent("qmAlarm", f"room `{ROOM}` (the qmanager users)",
                {"type": "object", "required": ["date", "status", "alarm", "queue"],
                 "properties": {"date": {}, "status": {"type": "string"}, "alarm": {"type": "string"},
                                "queue": {"type": "string"}}},
                "a queue alarm started or ended"),
)
