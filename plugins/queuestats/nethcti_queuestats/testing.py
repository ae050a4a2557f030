"""Test helpers: a queue_log table (and the CDR columns read beside it) on any engine, filled with rows as Asterisk
16's realtime queue_log writes them (adaptive: data1..data5), and one morning of queue calls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti_queuestats.cdr import TEXT_COLUMNS as CDR_TEXT
from nethcti_queuestats.cdr import cdr_columns
from nethcti_queuestats.queuelog import queue_log_table

NOW = datetime(2024, 3, 5, 12, 10)  # the clock of the sample: the tests set the service's ``now`` to it


def ql(time: str, callid: str, queue: str, agent: str, event: str, *data: str) -> dict:
    """A queue_log row as Asterisk writes it: ``time`` "2024-03-05 10:00:00" gets Asterisk's microseconds."""
    row = {"time": f"{time}.123456", "callid": callid, "queuename": queue,
           "agent": agent, "event": event, "data": ""}
    return row | {f"data{i}": (data[i - 1] if i <= len(data) else "") for i in range(1, 6)}


def cdr(calldate: str, **values) -> dict:
    return {name: "" for name in CDR_TEXT} | {"duration": 0} | values | {"calldate": calldate}


async def create_queue_log(url: str, rows: Iterable[dict] = (), cdr_rows: Iterable[dict] = (),
                           table: str = "queue_log", cdr_table: str | None = "cdr") -> None:
    """Create the queue_log table with NethVoice's indexes (and the CDR table) at ``url``, then insert the rows."""
    metadata = MetaData()
    log = queue_log_table(table, metadata)
    cdr_t = cdr_columns(cdr_table, metadata) if cdr_table else None
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            if rows := list(rows):
                await conn.execute(insert(log), rows)
            if cdr_t is not None and (cdr_rows := list(cdr_rows)):
                await conn.execute(insert(cdr_t), cdr_rows)
    finally:
        await engine.dispose()


D = "2024-03-05"
# 401 Support (static members Alice Rossi 201, Bob Bianchi 202; sla 30 in the tests' conf), 402 Sales (dynamic:
# Carol Verdi 203). What each statistic and recall list makes of them is spelled out in tests/test_api.py.
SAMPLE_ROWS = [
    ql("2024-03-04 18:00:00", "1709571600.1", "401", "NONE", "DID", "401"),  # yesterday: in no statistic of today
    ql("2024-03-04 18:00:00", "1709571600.1", "401", "NONE", "ENTERQUEUE", "", "0612345678", "1"),
    ql("2024-03-04 18:00:05", "1709571600.1", "401", "Alice Rossi", "CONNECT", "5", "1709571605.2", "0"),
    ql("2024-03-04 18:01:05", "1709571600.1", "401", "Alice Rossi", "COMPLETECALLER", "5", "60", "1"),
    ql(f"{D} 09:00:00", "NONE", "402", "Carol Verdi", "ADDMEMBER", ""),
    ql(f"{D} 09:30:00", "NONE", "402", "Carol Verdi", "PAUSE", "lunch"),
    ql(f"{D} 09:40:00", "NONE", "402", "Carol Verdi", "UNPAUSE", ""),
    # 1. answered by alice after 4 s, 30 s of talk
    ql(f"{D} 10:00:00", "1709629200.1", "401", "NONE", "DID", "401"),
    ql(f"{D} 10:00:00", "1709629200.1", "401", "NONE", "ENTERQUEUE", "", "0612345678", "1"),
    ql(f"{D} 10:00:04", "1709629200.1", "401", "Alice Rossi", "CONNECT", "4", "1709629204.3", "0"),
    ql(f"{D} 10:00:34", "1709629200.1", "401", "Alice Rossi", "COMPLETECALLER", "4", "30", "1"),
    # 2. nobody answers within 20 s: bob's phone rang 15 s unanswered
    ql(f"{D} 10:10:00", "1709629800.2", "401", "NONE", "DID", "401"),
    ql(f"{D} 10:10:00", "1709629800.2", "401", "NONE", "ENTERQUEUE", "", "0698765432", "1"),
    ql(f"{D} 10:10:15", "1709629800.2", "401", "Bob Bianchi", "RINGNOANSWER", "15000"),
    ql(f"{D} 10:10:20", "1709629800.2", "401", "NONE", "EXITWITHTIMEOUT", "1", "1", "20"),
    # 3. the caller hangs up after 2 s: a null call (under null_call_period)
    ql(f"{D} 10:20:00", "1709630400.3", "401", "NONE", "DID", "401"),
    ql(f"{D} 10:20:00", "1709630400.3", "401", "NONE", "ENTERQUEUE", "", "0611111111", "1"),
    ql(f"{D} 10:20:02", "1709630400.3", "401", "NONE", "ABANDON", "1", "1", "2"),
    # 4. the caller of 2. calls again and gives up after 30 s
    ql(f"{D} 10:40:00", "1709631600.4", "401", "NONE", "DID", "401"),
    ql(f"{D} 10:40:00", "1709631600.4", "401", "NONE", "ENTERQUEUE", "", "0698765432", "1"),
    ql(f"{D} 10:40:30", "1709631600.4", "401", "NONE", "ABANDON", "1", "1", "30"),
    # 5. Sales: carol answers after 10 s, talks 60 s
    ql(f"{D} 11:05:00", "1709633100.5", "402", "NONE", "DID", "402"),
    ql(f"{D} 11:05:00", "1709633100.5", "402", "NONE", "ENTERQUEUE", "", "0622222222", "1"),
    ql(f"{D} 11:05:10", "1709633100.5", "402", "Carol Verdi", "CONNECT", "10", "1709633110.6", "0"),
    ql(f"{D} 11:06:10", "1709633100.5", "402", "Carol Verdi", "COMPLETEAGENT", "10", "60", "1"),
    ql(f"{D} 11:30:00", "NONE", "402", "Carol Verdi", "REMOVEMEMBER", ""),
    # 6. Sales: the caller leaves with a key after 7 s
    ql(f"{D} 11:50:00", "1709635800.7", "402", "NONE", "DID", "402"),
    ql(f"{D} 11:50:00", "1709635800.7", "402", "NONE", "ENTERQUEUE", "", "0633333333", "1"),
    ql(f"{D} 11:50:07", "1709635800.7", "402", "NONE", "EXITWITHKEY", "1", "1", "1", "7"),
]

SAMPLE_CDR = [
    # the caller of 1., as NethVoice's CDR names it
    cdr(f"{D} 10:00:00", uniqueid="1709629200.1", cnum="0612345678", cnam="Mario Bianchi", ccompany="Bianchi Srl",
        dst="401", disposition="ANSWERED", duration=34),
    # bob calls the caller of 2. and 4. back: answered, 45 s
    cdr(f"{D} 11:00:00", uniqueid="1709632800.8", cnum="202", cnam="Bob Bianchi", dst="0698765432",
        dst_cnam="Luigi Verdi", disposition="ANSWERED", duration=45),
]
