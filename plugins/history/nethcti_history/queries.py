"""The CDR reader: the original's history queries (§4.5), counted and paged in SQL, portable to SQLite and MariaDB.

A history row is a group of CDR rows with the same (uniqueid, linkedid, disposition), as the original's
GROUP BY; one page of groups is read, then only the CDR rows of that page (by uniqueid, an indexed column).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, exists, false, func, not_, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nethcti_history.errors import CdrUnavailable

LOST = ("NO ANSWER", "BUSY", "FAILED")
# what the filter text is looked for in, per kind of query (the original's LIKE lists)
FILTER_IN = ("cnum", "clid", "dst", "cnam", "ccompany")
FILTER_OUT = ("cnum", "clid", "dst", "dst_cnam", "dst_ccompany")
FILTER_ALL = ("cnum", "clid", "dst", "cnam", "dst_cnam", "ccompany", "dst_ccompany")
ROW_COLUMNS = (
    "channel",
    "dstchannel",
    "userfield",
    "dcontext",
    "lastapp",
    "recordingfile",
    "cnum",
    "cnam",
    "ccompany",
    "src",
    "dst",
    "dst_cnam",
    "dst_ccompany",
    "clid",
    "sequence",
)
SORTABLE = (
    "time",
    "duration",
    "billsec",
    "disposition",
    "uniqueid",
    "linkedid",
    "channel",
    "dstchannel",
    "cnum",
    "cnam",
    "ccompany",
    "src",
    "dst",
    "dst_cnam",
    "dst_ccompany",
    "clid",
    "dcontext",
    "lastapp",
    "userfield",
)


@dataclass(frozen=True)
class Interval:
    """What every history query shares: the days, the filter text, the page and its order."""

    first: date
    last: date
    filter: str | None = None
    offset: int = 0
    limit: int = 100
    sort: tuple[tuple[str, bool], ...] = (("time", True),)  # (SORTABLE key, descending)
    remove_lost: bool = False

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last, time()) + timedelta(days=1)


@dataclass
class Page:
    count: int
    rows: list[dict[str, Any]]  # CDR values of each group, ``time`` a datetime, plus ``queue``


class CdrReader:
    """Queries on one CDR table; no Quart, no permissions (the service decides who sees what)."""

    def __init__(self, engine: AsyncEngine, table: Table):
        self.engine, self.table = engine, table
        self.c = table.c
        self.b = table.alias("b")  # the correlated subqueries' own view of the table

    @asynccontextmanager
    async def _connect(self, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection; the database down or the table gone is a 503, not a 500."""
        try:
            async with self.engine.begin() if write else self.engine.connect() as conn:
                yield conn
        except (DBAPIError, OSError) as exc:
            raise CdrUnavailable(details={"error": type(exc).__name__}) from exc

    # -- conditions

    def _matches(self, interval: Interval, columns: Sequence[str]):
        if not interval.filter:
            return None
        return or_(*(self.c[name].contains(interval.filter, autoescape=True) for name in columns))

    def _answered_later(self):
        """The call this row belongs to was answered (the original's ``linkedid NOT IN (… ANSWERED …)``)."""
        b = self.b
        return exists().where(b.c.uniqueid == self.c.linkedid, b.c.disposition == "ANSWERED")

    def _lost_unless_answered(self):
        c = self.c
        return or_(c.disposition.not_in(LOST), and_(c.disposition.in_(LOST), not_(self._answered_later())))

    def _no_unanswered_twin(self):
        """Drop a call's own NO ANSWER group when the call also has an ANSWERED one (the original's default)."""
        c, b = self.c, self.b
        answered = exists().where(b.c.uniqueid == c.linkedid, b.c.linkedid == c.linkedid, b.c.disposition == "ANSWERED")
        return not_(and_(c.disposition == "NO ANSWER", c.uniqueid == c.linkedid, answered))

    def _trunk(self, column, trunks: Collection[str]):
        """``column`` is a channel of one of ``trunks`` (``PJSIP/<trunk>-…``)."""
        if not trunks:
            return false()
        return or_(*(self.c[column].contains(f"/{trunk}-", autoescape=True) for trunk in sorted(trunks)))

    def user_conditions(self, interval: Interval, endpoints: Collection[str], direction: str | None) -> list:
        """historycall: calls of ``endpoints``, all or ``direction`` in / out / lost."""
        c, ours = self.c, sorted(endpoints)
        if direction == "in":
            conds = [c.cnum.not_in(ours), c.dst.in_(ours), self._matches(interval, FILTER_IN)]
            if interval.remove_lost:
                conds.append(c.disposition.not_in(LOST))
        elif direction == "out":
            conds = [
                c.cnum.in_(ours),
                c.dst.not_in(ours),
                self._matches(interval, FILTER_OUT),
                self._lost_unless_answered(),
            ]
        elif direction == "lost":
            conds = [
                c.cnum.not_in(ours),
                c.dst.in_(ours),
                self._matches(interval, FILTER_IN),
                c.disposition.in_(LOST),
                not_(self._answered_later()),
            ]
        else:
            conds = [
                or_(c.cnum.in_(ours), c.dst.in_(ours)),
                self._matches(interval, FILTER_ALL),
                self._no_unanswered_twin(),
            ]
        return conds

    def switch_conditions(
        self,
        interval: Interval,
        trunks: Collection[str],
        extens: Collection[str],
        kind: str | None,
        only_extens: bool = False,
    ) -> list:
        """histcallswitch / histcallsgroups: every call (``only_extens``: those of ``extens``), or of one type."""
        c, ours = self.c, sorted(extens)
        transferred_in = and_(c.channel.like("Local/%;2"), c.cnum.in_(ours), c.dst.in_(ours), c.src.not_in(ours))
        incoming = or_(self._trunk("channel", trunks), transferred_in)
        if kind == "in":
            conds = [incoming, self._matches(interval, FILTER_IN)]
            if interval.remove_lost:
                conds.append(c.disposition.not_in(LOST))
        elif kind == "out":
            conds = [self._trunk("dstchannel", trunks), self._matches(interval, FILTER_OUT)]
        elif kind == "internal":
            conds = [
                not_(self._trunk("channel", trunks)),
                c.channel.not_like("%@from-queue-%"),
                not_(self._trunk("dstchannel", trunks)),
                c.src.in_(ours),
                c.cnum.in_(ours),
                c.dst.in_(ours),
                self._matches(interval, FILTER_ALL),
                self._lost_unless_answered(),
            ]
        elif kind == "lost":
            conds = [
                incoming,
                self._matches(interval, FILTER_IN),
                c.disposition.in_(LOST),
                not_(self._answered_later()),
            ]
        else:
            conds = [self._matches(interval, FILTER_ALL), self._no_unanswered_twin()]
        if only_extens:
            conds.append(or_(c.cnum.in_(ours), c.dst.in_(ours)))
        return conds

    # -- reading

    async def page(self, interval: Interval, conditions: list) -> Page:
        """Count the groups matching ``conditions`` in the interval and read the page ``interval`` asks for."""
        c = self.c
        where = and_(c.calldate >= interval.start, c.calldate < interval.end, *(x for x in conditions if x is not None))
        keys = (c.uniqueid, c.linkedid, c.disposition)
        aggregates = {
            "time": func.min(c.calldate),
            "duration": func.max(c.duration),
            "billsec": case((c.disposition == "ANSWERED", func.max(c.billsec)), else_=func.min(c.billsec)),
            "uniqueid": c.uniqueid,
            "linkedid": c.linkedid,
            "disposition": c.disposition,
        }
        order = []
        for key, descending in interval.sort:
            expression = aggregates.get(key)
            expression = func.min(c[key]) if expression is None else expression
            order.append(expression.desc() if descending else expression.asc())
        order += [c.uniqueid, c.linkedid, c.disposition]  # a stable order: pages neither overlap nor skip
        groups = (
            select(*keys, *(aggregates[k].label(k) for k in ("time", "duration", "billsec")))
            .where(where)
            .group_by(*keys)
            .order_by(*order)
            .offset(interval.offset)
            .limit(interval.limit)
        )
        counting = select(func.count()).select_from(select(c.uniqueid).where(where).group_by(*keys).subquery())
        async with self._connect() as conn:
            count = (await conn.execute(counting)).scalar_one()
            found = [dict(r._mapping) for r in await conn.execute(groups)] if count > interval.offset else []
            if not found:
                return Page(count, [])
            members = await conn.execute(
                select(*keys, c.calldate, *(c[n] for n in ROW_COLUMNS)).where(
                    where, c.uniqueid.in_({g["uniqueid"] for g in found})
                )
            )
            queues = await conn.execute(
                select(c.uniqueid, c.dst, c.sequence).where(
                    c.uniqueid.in_({g["linkedid"] for g in found}), c.lastapp == "Queue"
                )
            )
        first: dict[tuple, Any] = {}
        for row in members:
            key = (row.uniqueid, row.linkedid, row.disposition)
            if key not in first or (row.calldate, row.sequence) < (first[key].calldate, first[key].sequence):
                first[key] = row
        queue_dsts: dict[str, list[tuple[int, str]]] = {}
        for row in queues:
            queue_dsts.setdefault(row.uniqueid, []).append((row.sequence, row.dst))
        rows = []
        for group in found:
            member = first[(group["uniqueid"], group["linkedid"], group["disposition"])]
            row = {name: getattr(member, name) for name in ROW_COLUMNS if name != "sequence"}
            row.update(group)
            row["queue"] = next(
                (dst for _, dst in sorted(queue_dsts.get(group["linkedid"], ())) if dst != row["dst"]), None
            )
            rows.append(row)
        return Page(count, rows)

    async def recording_of(self, uniqueid: str) -> list[dict[str, Any]]:
        """The CDR rows of call ``uniqueid`` (calldate, recordingfile, cnum, dst), oldest first."""
        c = self.c
        query = (
            select(c.calldate, c.recordingfile, c.cnum, c.dst)
            .where(c.uniqueid == uniqueid)
            .order_by(c.calldate, c.sequence)
            .limit(100)
        )
        async with self._connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(query)]

    async def clear_recording(self, uniqueid: str) -> int:
        """Empty ``recordingfile`` of the call's rows; how many rows changed."""
        async with self._connect(write=True) as conn:
            result = await conn.execute(
                update(self.table)
                .where(self.table.c.uniqueid == uniqueid, self.table.c.recordingfile != "")
                .values(recordingfile="")
            )
        return result.rowcount
