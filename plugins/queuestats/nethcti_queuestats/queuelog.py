"""NethVoice's ``asteriskcdrdb.queue_log`` table (what Asterisk's realtime queue_log writes), as SQLAlchemy Core
sees it, and the two SQL pieces whose spelling differs between SQLite and MySQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Asterisk's realtime queue_log with queue_adaptive_realtime (NethVoice's setting): data split into data1..data5;
# ``data`` is the unsplit form, written only without the adaptive option
TEXT_COLUMNS = ("callid", "queuename", "agent", "event", "data", "data1", "data2", "data3", "data4", "data5")
INDEXED = ("time", "queuename", "event", "callid")  # what NethVoice's table has


def queue_log_table(name: str = "queue_log", metadata: MetaData | None = None) -> Table:
    """The queue_log table ``name``: ``time`` as Asterisk writes it ("2024-03-05 10:00:00.123456", local time)."""
    metadata = metadata if metadata is not None else MetaData()
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("time", String(26), nullable=False, server_default=""),
        *(Column(c, String(255 if c.startswith("data") else 80), nullable=False, server_default="")
          for c in TEXT_COLUMNS),
    )
    for column in INDEXED:
        Index(f"{name}_{column}", table.c[column])
    return table


def stamp(moment: datetime) -> str:
    """A bound on ``time``: "YYYY-MM-DD HH:MM:SS" compares right with Asterisk's strings and MySQL DATETIMEs."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def epoch(value: str | datetime | None) -> int | None:
    """Seconds since the epoch of a ``time`` value (local wall-clock time, as Asterisk writes it)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:26])
    return int(value.timestamp())


class seconds_between(FunctionElement):
    """``seconds_between(a, b)``: b - a in seconds, for two ``time`` values (strings or DATETIMEs)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between)
def _seconds_mysql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(TIMESTAMPDIFF(MICROSECOND, {start}, {end}) / 1000000.0)"


class as_int(FunctionElement):
    """A data column as an integer (queue_log keeps numbers as text): CAST AS INTEGER / SIGNED."""

    type = Integer()
    inherit_cache = True
    name = "as_int"


@compiles(as_int, "sqlite")
def _int_sqlite(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(as_int)
def _int_mysql(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS SIGNED)"
