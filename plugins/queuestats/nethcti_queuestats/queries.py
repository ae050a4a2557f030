"""The queue_log reader: every statistic is an aggregate computed by the database (GROUP BY over the indexed
``time``, ``queuename``, ``event``, ``callid``), portable to SQLite and MariaDB; Python only shapes the rows.

Event fields (Asterisk 16, adaptive realtime): COMPLETEAGENT/COMPLETECALLER data1 = wait, data2 = talk time,
data3 = entry position; ABANDON, EXITWITHTIMEOUT, EXITEMPTY data1 = position, data2 = entry position, data3 = wait;
EXITWITHKEY data1 = key, data2 = position, data4 = wait; ENTERQUEUE data2 = caller number; CONNECT data1 = wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, case, func, literal, or_, select, union_all
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nethcti_queuestats.errors import QueueLogUnavailable
from nethcti_queuestats.queuelog import as_int, seconds_between

ANSWERED = ("COMPLETEAGENT", "COMPLETECALLER")
FAILED = ("EXITEMPTY", "EXITWITHKEY", "EXITWITHTIMEOUT", "FULL", "JOINEMPTY", "JOINUNAVAIL")
LOST = (*FAILED, "ABANDON")
CALL_EVENTS = ("DID", "ENTERQUEUE", *ANSWERED, *LOST)
RECALL_TYPES = ("all", "lost", "done")


@dataclass(frozen=True)
class RecallQuery:
    """A recall list: the queues' callers since ``since`` ("YYYY-MM-DD HH:MM:SS"), one row per (caller, queue)."""

    queues: tuple[str, ...]
    since: str
    type: str = "all"
    offset: int = 0
    limit: int | None = None
    agents: tuple[str, ...] = ()  # extensions whose outgoing calls to a caller count as recalls (CDR)


def count_if(condition) -> Any:
    return func.count(case((condition, 1)))


class QueueLogReader:
    """Reads one queue_log table (and optionally the CDR table beside it, for names and call-backs)."""

    def __init__(self, engine: AsyncEngine, table: Table, cdr: Table | None = None):
        self.engine, self.table, self.cdr = engine, table, cdr

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection; the database down or the table gone is a 503, not a 500."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except (DBAPIError, OSError) as exc:
            raise QueueLogUnavailable(details={"error": type(exc).__name__}) from exc

    async def _all(self, query) -> list[Any]:
        async with self._connect() as conn:
            return list(await conn.execute(query))

    # ------------------------------------------------------------------ queues

    def _wait(self, null_period: int):
        """The wait of a call that ended (answered, failed, or abandoned after ``null_period`` seconds)."""
        q = self.table.c
        return case(
            (q.event.in_(ANSWERED), as_int(q.data1)),
            (q.event == "EXITWITHKEY", as_int(q.data4)),
            (and_(q.event == "ABANDON", as_int(q.data3) >= null_period), as_int(q.data3)),
            (q.event.in_(("EXITWITHTIMEOUT", "EXITEMPTY")), as_int(q.data3)),
        )

    def _outcomes(self, null_period: int) -> dict[str, Any]:
        q = self.table.c
        abandoned_late = and_(q.event == "ABANDON", as_int(q.data3) >= null_period)
        return {
            "tot": count_if(q.event == "DID"),
            "answered": count_if(q.event.in_(ANSWERED)),
            "failed": count_if(or_(q.event.in_(FAILED), abandoned_late)),
            "invalid": count_if(and_(q.event == "ABANDON", as_int(q.data3) < null_period)),
        }

    async def queue_stats(self, queue: str, since: str, null_period: int, sla: int) -> dict[str, int]:
        """The counters and min/max/avg of one queue's calls since ``since`` (``qmanager_qstats``)."""
        q = self.table.c
        answered = q.event.in_(ANSWERED)
        talk = case((answered, as_int(q.data2)))
        wait = self._wait(null_period)
        outcomes = self._outcomes(null_period)
        query = select(
            outcomes["tot"].label("tot"),
            outcomes["answered"].label("tot_processed"),
            count_if(and_(answered, as_int(q.data1) < sla)).label("processed_less_sla"),
            count_if(and_(answered, as_int(q.data1) >= sla)).label("processed_greater_sla"),
            outcomes["invalid"].label("tot_null"),
            outcomes["failed"].label("tot_failed"),
            count_if(q.event == "EXITEMPTY").label("failed_inqueue_noagents"),
            count_if(q.event == "EXITWITHKEY").label("failed_withkey"),
            count_if(q.event == "EXITWITHTIMEOUT").label("failed_timeout"),
            count_if(and_(q.event == "ABANDON", as_int(q.data3) >= null_period)).label("failed_abandon"),
            count_if(q.event == "FULL").label("failed_full"),
            count_if(q.event.in_(("JOINEMPTY", "JOINUNAVAIL"))).label("failed_outqueue_noagents"),
            func.coalesce(func.min(talk), 0).label("min_duration"),
            func.coalesce(func.max(talk), 0).label("max_duration"),
            func.coalesce(func.round(func.avg(talk)), 0).label("avg_duration"),
            func.coalesce(func.min(wait), 0).label("min_wait"),
            func.coalesce(func.max(wait), 0).label("max_wait"),
            func.coalesce(func.round(func.avg(wait)), 0).label("avg_wait"),
        ).where(q.queuename == queue, q.event.in_(CALL_EVENTS), q.time >= since)
        (row,) = await self._all(query)
        return {key: int(value or 0) for key, value in row._mapping.items()}

    async def half_hours(self, queues: Collection[str], since: str, null_period: int) -> list[Any]:
        """(queuename, hour, half, tot, answered, failed, invalid) per half hour since ``since``."""
        q = self.table.c
        hour = func.substr(q.time, 12, 2)
        half = case((func.substr(q.time, 15, 2) < "30", 0), else_=1)
        outcomes = self._outcomes(null_period)
        query = (
            select(q.queuename, hour.label("hour"), half.label("half"),
                   *(value.label(name) for name, value in outcomes.items()))
            .where(q.queuename.in_(list(queues)), q.event.in_(CALL_EVENTS), q.time >= since)
            .group_by(q.queuename, hour, half)
        )
        return await self._all(query)

    # ------------------------------------------------------------------ agents

    async def agent_calls(self, agents: Collection[str], since: str) -> list[Any]:
        """Per (agent, queue): calls answered, last one, talk time total/max/min/avg."""
        q = self.table.c
        talk = as_int(q.data2)
        query = (
            select(q.agent, q.queuename, func.count().label("calls_taken"), func.max(q.time).label("last_call_time"),
                   func.sum(talk).label("duration_incoming"), func.max(talk).label("max_duration_incoming"),
                   func.min(talk).label("min_duration_incoming"), func.avg(talk).label("avg_duration_incoming"))
            .where(q.event.in_(ANSWERED), q.agent.in_(list(agents)), q.time >= since)
            .group_by(q.agent, q.queuename)
        )
        return await self._all(query)

    async def agent_missed(self, agents: Collection[str], since: str) -> list[Any]:
        """Per (agent, queue): calls that rang the agent unanswered (RINGNOANSWER)."""
        q = self.table.c
        query = (
            select(q.agent, q.queuename, func.count().label("no_answer_calls"))
            .where(q.event == "RINGNOANSWER", q.agent.in_(list(agents)), q.time >= since)
            .group_by(q.agent, q.queuename)
        )
        return await self._all(query)

    async def agent_last_events(self, agents: Collection[str], since: str) -> list[Any]:
        """Per (agent, queue, event): the last ADDMEMBER, REMOVEMEMBER, PAUSE, UNPAUSE."""
        q = self.table.c
        query = (
            select(q.agent, q.queuename, q.event, func.max(q.time).label("last_time"))
            .where(q.event.in_(("ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE")), q.agent.in_(list(agents)),
                   q.time >= since)
            .group_by(q.agent, q.queuename, q.event)
        )
        return await self._all(query)

    async def agent_durations(self, agents: Collection[str], since: str, now: str, start: str, end: str) -> list[Any]:
        """Per (agent, queue): seconds between each ``start`` event and the next ``end`` event (or ``now``), summed:
        time logged in (ADDMEMBER → REMOVEMEMBER) or paused (PAUSE → UNPAUSE)."""
        a = self.table.alias("a")
        b = self.table.alias("b")
        closing = (
            select(func.min(b.c.time))
            .where(b.c.agent == a.c.agent, b.c.queuename == a.c.queuename, b.c.event == end, b.c.time > a.c.time)
            .scalar_subquery()
        )
        spans = (
            select(a.c.agent, a.c.queuename, seconds_between(a.c.time, func.coalesce(closing, now)).label("secs"))
            .where(a.c.event == start, a.c.agent.in_(list(agents)), a.c.time >= since)
            .subquery()
        )
        query = select(spans.c.agent, spans.c.queuename, func.sum(spans.c.secs).label("secs")).group_by(
            spans.c.agent, spans.c.queuename)
        return await self._all(query)

    async def agent_outgoing(self, agents: Collection[str], since: str) -> list[Any]:
        """Per agent (CDR ``cnam``): answered calls they made since ``since`` (needs the CDR table)."""
        if self.cdr is None or not agents:
            return []
        c = self.cdr.c
        query = (
            select(c.cnam.label("agent"), func.count().label("outgoing_calls"),
                   func.sum(c.duration).label("duration_outgoing"), func.max(c.duration).label("max_duration_outgoing"),
                   func.min(c.duration).label("min_duration_outgoing"),
                   func.avg(c.duration).label("avg_duration_outgoing"))
            .where(c.disposition == "ANSWERED", c.cnam.in_(list(agents)), c.calldate >= since)
            .group_by(c.cnam)
        )
        return await self._all(query)

    # ------------------------------------------------------------------ recall lists

    def _calls(self, queues: Collection[str], since: str, agents: Collection[str]):
        """Every call of the queues' callers since ``since``: lost and answered queue calls (IN, from queue_log) and
        the agents' calls back to them (OUT, from the CDR table when there is one)."""
        o = self.table.alias("o")
        e = self.table.alias("e")
        entered = and_(e.c.callid == o.c.callid, e.c.queuename == o.c.queuename, e.c.event == "ENTERQUEUE")
        name = company = literal("")
        if self.cdr is not None:
            cdr = self.cdr.c
            name = select(func.max(cdr.cnam)).where(cdr.uniqueid == o.c.callid).scalar_subquery()
            company = select(func.max(cdr.ccompany)).where(cdr.uniqueid == o.c.callid).scalar_subquery()
        wait = case((o.c.event == "EXITWITHKEY", as_int(o.c.data4)), else_=as_int(o.c.data3))
        position = case((o.c.event == "EXITWITHKEY", as_int(o.c.data2)), else_=as_int(o.c.data1))
        lost = select(
            o.c.time, o.c.queuename, literal("IN").label("direction"), literal("TIMEOUT").label("action"),
            position.label("position"), literal(0).label("duration"), wait.label("hold"),
            e.c.data2.label("cid"), name.label("name"), company.label("company"), o.c.agent, o.c.event,
            o.c.callid.label("uniqueid"),
        ).join_from(o, e, entered).where(o.c.event.in_(LOST), o.c.queuename.in_(list(queues)), o.c.time >= since)
        done = select(
            o.c.time, o.c.queuename, literal("IN").label("direction"), literal("DONE").label("action"),
            as_int(o.c.data3).label("position"), as_int(o.c.data2).label("duration"), as_int(o.c.data1).label("hold"),
            e.c.data2.label("cid"), name.label("name"), company.label("company"), o.c.agent, o.c.event,
            o.c.callid.label("uniqueid"),
        ).join_from(o, e, entered).where(o.c.event.in_(ANSWERED), o.c.queuename.in_(list(queues)), o.c.time >= since)
        parts = [lost, done]
        if self.cdr is not None and agents:
            cdr = self.cdr.c
            q = self.table.alias("q")
            called_back = (
                select(
                    cdr.calldate.label("time"), q.c.queuename, literal("OUT").label("direction"),
                    case((cdr.disposition == "ANSWERED", "DONE"), else_=cdr.disposition).label("action"),
                    literal(0).label("position"), cdr.duration, literal(0).label("hold"), cdr.dst.label("cid"),
                    cdr.dst_cnam.label("name"), cdr.dst_ccompany.label("company"), cdr.cnam.label("agent"),
                    literal("").label("event"), cdr.uniqueid,
                )
                .join_from(self.cdr, q, and_(q.c.data2 == cdr.dst, q.c.event == "ENTERQUEUE"))
                .where(q.c.queuename.in_(list(queues)), q.c.time >= since, cdr.calldate >= since,
                       cdr.calldate > q.c.time, cdr.cnum.in_(list(agents)), cdr.dst != "")
                .distinct()
            )
            parts.append(called_back)
        return union_all(*parts).subquery("calls")

    async def recalls(self, query: RecallQuery) -> tuple[int, list[Any]]:
        """(count, page) of the recall list: per (caller, queue) its latest call, oldest first."""
        calls = self._calls(query.queues, query.since, query.agents)
        rank = func.row_number().over(partition_by=(calls.c.cid, calls.c.queuename), order_by=calls.c.time.desc())
        ranked = select(calls, rank.label("rank")).where(calls.c.cid != "").subquery("ranked")
        latest = select(*(c for c in ranked.c if c.name != "rank")).where(ranked.c.rank == 1)
        if query.type == "done":
            latest = latest.where(ranked.c.action == "DONE")
        elif query.type == "lost":
            latest = latest.where(ranked.c.action != "DONE")
        latest = latest.subquery("latest")
        page = select(latest).order_by(latest.c.time, latest.c.cid).offset(query.offset)
        if query.limit is not None:
            page = page.limit(query.limit)
        async with self._connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(latest))).scalar_one()
            rows = list(await conn.execute(page))
        return count, rows

    async def recall_info(self, queue: str, cid: str, since: str, agents: Collection[str]) -> list[Any]:
        """Every call of caller ``cid`` with ``queue`` since ``since``, oldest first (``qrecall_info``)."""
        calls = self._calls((queue,), since, agents)
        return await self._all(select(calls).where(calls.c.cid == cid).order_by(calls.c.time))
