"""Queue statistics for a user: which queues they may see, the queries to run, the original's JSON shapes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from nethcti_astproxy.ops.common import NoSuchQueue

from nethcti_queuestats.errors import NotQueueMember, QueueNotAllowed
from nethcti_queuestats.queries import QueueLogReader, RecallQuery
from nethcti_queuestats.queuelog import epoch, stamp

OPERATOR_QUEUE = "ctiopqueue"  # the operators' waiting queues are no statistics queues
QMANAGER = "qmanager.qmanager_"


def floor(value: Any) -> int:
    return int(value or 0)


class QueueStats:
    """The statistics of the queues Asterisk logs into one queue_log table."""

    def __init__(self, reader: QueueLogReader, astproxy: Any, users: Any, config: dict,
                 now: Callable[[], datetime] = datetime.now):
        self.reader, self.astproxy, self.users, self.config = reader, astproxy, users, config
        self.now = now
        self.alarms: Any = None  # the Alarms of these queues (alarms.py), set at start-up

    # ------------------------------------------------------------------ which queues

    def known_queues(self) -> set[str]:
        """The queues Asterisk has and those configured ([astproxy] queues, ast_objects.json)."""
        model = self.astproxy.model
        queues = set(self.astproxy.statics.queues) | (set(model.queues) if model is not None else set())
        return {q for q in queues if OPERATOR_QUEUE not in q}

    def queue(self, qid: str) -> str:
        if qid not in self.known_queues():
            raise NoSuchQueue(f"No queue {qid}", {"queue": qid})
        return qid

    def supervised(self, user: Any) -> list[str]:
        """The known queues ``user`` supervises (``qmanager.qmanager_<queue>``), sorted."""
        return sorted(self.astproxy.qmanager_queues(user) & self.known_queues())

    def check_supervisor(self, user: Any, queues: Iterable[str]) -> None:
        allowed = set(self.astproxy.qmanager_queues(user))
        for queue in queues:
            if queue not in allowed:
                raise QueueNotAllowed(details={"queue": queue, "permission": QMANAGER + queue})

    def memberships(self, user: Any) -> set[str]:
        """Queues one of ``user``'s extensions belongs to: a member now, or a configured dynamic member."""
        model = self.astproxy.model
        mine = set(user.extension_ids)
        queues = {q for q, info in self.astproxy.statics.queues.items() if mine & set(info.dynmembers)}
        if model is not None:
            queues |= {qid for qid, queue in model.queues.items() if mine & set(queue.members)}
        return queues & self.known_queues()

    def check_member(self, user: Any, queues: Iterable[str]) -> None:
        mine = self.memberships(user)
        for queue in queues:
            if queue not in mine:
                raise NotQueueMember(details={"queue": queue})

    def members(self, queues: Collection[str]) -> dict[str, str]:
        """Member extension -> agent name (the name Asterisk logs as ``agent``) of ``queues``."""
        model = self.astproxy.model
        out: dict[str, str] = {}
        for qid in queues:
            info = self.astproxy.statics.queues.get(qid)
            for exten in info.dynmembers if info is not None else ():
                user = self.users.by_extension(exten)
                out.setdefault(exten, user.name if user is not None else exten)
            queue = model.queues.get(qid) if model is not None else None
            for exten, member in (queue.members.items() if queue is not None else ()):
                out[exten] = member.name or exten
        return out

    def sla(self, qid: str) -> int:
        info = self.astproxy.statics.queues.get(qid)
        if info is not None and info.sla not in (None, "") and str(info.sla).isdigit():
            return int(info.sla)
        queue = self.astproxy.queue(qid)
        return int(queue.service_level) if queue is not None and str(queue.service_level).isdigit() else 0

    # ------------------------------------------------------------------ time

    def today(self) -> str:
        return stamp(self.now().replace(hour=0, minute=0, second=0, microsecond=0))

    def hours_ago(self, hours: int) -> str:
        return stamp(self.now() - timedelta(hours=hours))

    # ------------------------------------------------------------------ queues

    async def queue_stats(self, user: Any, qid: str) -> dict:
        """``qmanager_qstats/:qid``: today's counters of one supervised queue."""
        self.queue(qid)
        self.check_supervisor(user, (qid,))
        sla, null_period = self.sla(qid), self.config["null_call_period"]
        stats = await self.reader.queue_stats(qid, self.today(), null_period, sla)
        return {"queueman": qid, **stats, "sla": sla, "nullCallPeriod": null_period}

    def live_calls(self, user: Any) -> dict:
        """``qmanager_qcalls``: per supervised queue, calls connected through it now and callers waiting."""
        model = self.astproxy.current()
        connected: dict[str, int] = {}
        for ext in model.extensions.values():
            for ch in ext.channels.values():
                source, dest = model.pair(ch)
                if source is None or dest is None or source.state != "6" or dest.state != "6":
                    continue
                if queue := model.queue_of(source, dest):
                    connected[queue] = connected.get(queue, 0) + 1
        out = {}
        for qid in self.supervised(user):
            queue = model.queues.get(qid)
            waiting = len(queue.waiting) if queue is not None else 0
            out[qid] = {"cc_counter": connected.get(qid, 0), "waiting_counter": waiting,
                        "tot": connected.get(qid, 0) + waiting}
        return out

    async def calls_history(self, user: Any) -> dict:
        """``qmanager_qcalls_hist``: per supervised queue, today's calls per half hour up to the current one."""
        now = self.now()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        slots = now.hour * 2 + (now.minute >= 30) + 1
        queues = self.supervised(user)
        counts: dict[tuple[str, int], Any] = {}
        if queues:
            for row in await self.reader.half_hours(queues, stamp(midnight), self.config["null_call_period"]):
                counts[(row.queuename, int(row.hour) * 2 + int(row.half))] = row
        ends = [midnight + timedelta(minutes=30 * (slot + 1)) for slot in range(slots)]
        labels = [(end.strftime("%d-%B-%y-") + end.strftime("%H:%M") if end.day == midnight.day
                   else midnight.strftime("%d-%B-%y-") + "00:00") for end in ends]
        out = {}
        for qid in queues:
            out[qid] = {
                topic: [{"value": int(getattr(counts[(qid, slot)], field)) if (qid, slot) in counts else 0,
                         "date": labels[slot], "fullDate": ends[slot].astimezone().isoformat()}
                        for slot in range(slots)]
                for topic, field in (("total", "tot"), ("answered", "answered"), ("failed", "failed"),
                                     ("invalid", "invalid"))
            }
        return out

    # ------------------------------------------------------------------ agents

    async def agents_stats(self, agents: Collection[str], queues: Collection[str]) -> dict:
        """Today's statistics of the agents (by the name queue_log has), for ``queues`` only."""
        if not agents:
            return {}
        since, now = self.today(), stamp(self.now())
        reader = self.reader
        calls, missed, last, logon, pause, outgoing = await asyncio.gather(
            reader.agent_calls(agents, since), reader.agent_missed(agents, since),
            reader.agent_last_events(agents, since),
            reader.agent_durations(agents, since, now, "ADDMEMBER", "REMOVEMEMBER"),
            reader.agent_durations(agents, since, now, "PAUSE", "UNPAUSE"),
            reader.agent_outgoing(agents, since),
        )
        out: dict[str, dict] = {}

        def entry(agent: str, queue: str) -> dict | None:
            if queue not in queues:
                return None
            return out.setdefault(agent, {}).setdefault(queue, {})

        for row in calls:
            if (stats := entry(row.agent, row.queuename)) is not None:
                stats.update(calls_taken=int(row.calls_taken), last_call_time=epoch(row.last_call_time),
                             duration_incoming=floor(row.duration_incoming),
                             max_duration_incoming=floor(row.max_duration_incoming),
                             min_duration_incoming=floor(row.min_duration_incoming),
                             avg_duration_incoming=floor(row.avg_duration_incoming))
        for row in missed:
            if (stats := entry(row.agent, row.queuename)) is not None:
                stats["no_answer_calls"] = int(row.no_answer_calls)
        names = {"ADDMEMBER": "last_login_time", "REMOVEMEMBER": "last_logout_time", "PAUSE": "last_paused_time",
                 "UNPAUSE": "last_unpaused_time"}
        for row in last:
            if (stats := entry(row.agent, row.queuename)) is not None:
                stats[names[row.event]] = epoch(row.last_time)
        for rows, key in ((logon, "time_in_logon"), (pause, "time_in_pause")):
            for row in rows:
                if (stats := entry(row.agent, row.queuename)) is not None:
                    stats[key] = round(float(row.secs or 0))
        for per_queue in out.values():
            incoming = [s for s in per_queue.values() if "calls_taken" in s]
            for stats in per_queue.values():
                logon_time = stats.get("time_in_logon")
                if logon_time and stats.get("time_in_pause"):
                    stats["pause_percent"] = percent(stats["time_in_pause"], logon_time)
                if logon_time and stats.get("duration_incoming") and logon_time > stats["duration_incoming"]:
                    stats["conversation_percent"] = percent(stats["duration_incoming"], logon_time)
            if incoming:
                per_queue["incomingCalls"] = {
                    "duration_incoming": sum(s["duration_incoming"] for s in incoming),
                    "avg_duration_incoming": sum(s["avg_duration_incoming"] for s in incoming) // len(incoming),
                    "min_duration_incoming": min(s["min_duration_incoming"] for s in incoming),
                    "max_duration_incoming": max(s["max_duration_incoming"] for s in incoming),
                }
        for row in outgoing:
            if row.agent in out:
                out[row.agent]["outgoingCalls"] = {
                    "outgoing_calls": int(row.outgoing_calls), "duration_outgoing": floor(row.duration_outgoing),
                    "max_duration_outgoing": floor(row.max_duration_outgoing),
                    "min_duration_outgoing": floor(row.min_duration_outgoing),
                    "avg_duration_outgoing": floor(row.avg_duration_outgoing),
                }
        for per_queue in out.values():
            per_queue["allCalls"] = all_calls(per_queue.get("incomingCalls"), per_queue.get("outgoingCalls"))
        return out

    async def supervisor_agents(self, user: Any) -> dict:
        """``qmanager_astats``: the agents of the supervised queues, with those queues' figures."""
        queues = self.supervised(user)
        return await self.agents_stats(sorted(set(self.members(queues).values())), queues)

    async def own_agent(self, user: Any) -> dict:
        """``queue_astats``: the caller's own figures (queue_log names agents by their display name), or {}."""
        stats = await self.agents_stats([user.name], self.known_queues())
        return stats.get(user.name, {})

    # ------------------------------------------------------------------ recall

    async def recalls(self, queues: tuple[str, ...], hours: int, type_: str, offset: int, limit: int | None) -> dict:
        agents = tuple(sorted(self.members(queues)))
        count, rows = await self.reader.recalls(
            RecallQuery(queues, self.hours_ago(hours), type_, offset, limit, agents))
        return {"count": count, "rows": [recall_row(row) for row in rows]}

    async def recall_info(self, qid: str, cid: str, hours: int) -> list[dict]:
        agents = tuple(sorted(self.members((qid,))))
        rows = await self.reader.recall_info(qid, cid, self.hours_ago(hours), agents)
        return [
            {"queuename": r.queuename, "direction": r.direction, "action": r.action, "time": epoch(r.time),
             "position": floor(r.position), "duration": floor(r.duration), "hold": floor(r.hold), "cid": r.cid,
             "agent": r.agent, "event": r.event or r.action}
            for r in rows
        ]

    def in_conversation(self, number: str) -> bool:
        """``qrecall_check``: ``number`` is on a call now (a channel's caller or connected party)."""
        model = self.astproxy.current()
        return any(number in (ch.caller_num, ch.conn_num) for ch in model.channels.values())


def percent(part: float, whole: float) -> float | int:
    value = part * 100 / whole
    return round(value) if round(value) > 0 else round(value, 2)


def all_calls(incoming: dict | None, outgoing: dict | None) -> dict:
    """The original's allCalls: min, max and mean of the incoming and outgoing figures present."""
    out: dict[str, int] = {}
    pairs = (("avg_duration", "avg_duration_incoming", "avg_duration_outgoing"),
             ("min_duration", "min_duration_incoming", "min_duration_outgoing"),
             ("max_duration", "max_duration_incoming", "max_duration_outgoing"))
    for key, inc, outg in pairs:
        values = [v for v in ((incoming or {}).get(inc), (outgoing or {}).get(outg)) if v]
        if values:
            out[key] = {"avg_duration": sum(values) // len(values), "min_duration": min(values),
                        "max_duration": max(values)}[key]
    return out


def recall_row(row: Any) -> dict:
    return {"cid": row.cid, "name": row.name or "", "company": row.company or "", "action": row.action,
            "time": epoch(row.time), "direction": row.direction, "queuename": row.queuename,
            "event": row.event or row.action, "uniqueid": row.uniqueid}
