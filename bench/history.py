# ruff: noqa: E501  (SQL kept on long lines, as the original builds it)
"""Call history over a large CDR table: nethcti's queries against the original's SQL (§4.5), same table.

    .venv/bin/python bench/history.py [--rows 1000000] [--repeat 20] [--engines sqlite,mariadb]

Rows are generated in SQL (a call every 30 s over ~a year: internal, trunk in/out, queue legs, lost calls)
into a table with NethVoice's columns and indexes. Each query kind runs ``repeat`` times; p50/p99 in ms.
The original's SQL is its Sequelize output: findAll + a count that fetches every group (count.length);
on SQLite it is translated (IF -> IIF, UNIX_TIMESTAMP -> strftime, REGEXP -> a Python function).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _common import percentile, print_header, print_table
from nethcti_history.cdr import cdr_table
from nethcti_history.queries import CdrReader, Interval
from nethcti_history.testing import create_cdr
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

START = date(2024, 1, 1)
USER = ["201", "91201"]  # alice's extensions: ~1 call in 50 is hers
EXTENS = [str(200 + i) for i in range(100)]
TRUNKS = {"trunk1"}

# i -> one CDR row; every 5th call from a trunk, every 7th to a trunk, every 10th unanswered, every 13th busy,
# every 4th row a queue leg sharing the previous call's linkedid
GENERATE = """
INSERT INTO cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec,
  disposition, amaflags, accountcode, uniqueid, userfield, did, recordingfile, cnum, cnam, outbound_cnum,
  outbound_cnam, dst_cnam, linkedid, peeraccount, sequence, ccompany, dst_ccompany)
SELECT {date}, '', {cnum}, {dst}, 'from-internal',
  CASE WHEN i % 5 = 0 THEN 'PJSIP/trunk1-' || i ELSE 'PJSIP/' || {cnum} || '-' || i END,
  CASE WHEN i % 7 = 0 THEN 'PJSIP/trunk1-' || (i + 1) ELSE 'PJSIP/' || {dst} || '-' || (i + 1) END,
  CASE WHEN i % 4 = 0 THEN 'Queue' ELSE 'Dial' END, '', 30 + i % 300, CASE WHEN i % 10 = 0 OR i % 13 = 0 THEN 0 ELSE 20 + i % 280 END,
  CASE WHEN i % 10 = 0 THEN 'NO ANSWER' WHEN i % 13 = 0 THEN 'BUSY' ELSE 'ANSWERED' END,
  3, '', '17000.' || i, '', '', '', {cnum}, 'Caller ' || (i % 997), '', '', '', CASE WHEN i % 4 = 0 THEN '17000.' || (i - 1) ELSE '17000.' || i END,
  '', i % 10, '', ''
FROM {numbers}
"""
CNUM = "CASE WHEN i % 5 = 0 THEN '06' || (10000000 + i % 9999991) ELSE '' || (200 + (i * 7) % 100) END"
DST = "CASE WHEN i % 7 = 0 THEN '03' || (10000000 + i % 7777777) ELSE '' || (200 + (i * 13) % 100) END"
SQLITE = {
    "date": "datetime('2024-01-01', '+' || (i * 30) || ' seconds')",
    "numbers": "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) SELECT i FROM n)",
}
MARIADB = {"date": "TIMESTAMPADD(SECOND, i * 30, '2024-01-01')", "numbers": "(SELECT seq AS i FROM seq_1_to_{rows}) s"}


def original_user_sql(extens: list[str], first: str, last: str, limit: int) -> tuple[str, str]:
    """The original's default historycall query (getHistoryCallInterval without direction), as Sequelize sends it."""
    e = ",".join(f"'{x}'" for x in extens)
    where = (
        f"(cnum IN ({e}) OR dst IN ({e})) AND (calldate>='{first} 00:00:00' AND calldate<='{last} 23:59:59') AND "
        "(cnum LIKE '%%' OR clid LIKE '%%' OR dst LIKE '%%' OR cnam LIKE '%%' OR dst_cnam LIKE '%%' OR ccompany LIKE '%%' "
        "OR dst_ccompany LIKE '%%') AND (uniqueid,linkedid,disposition) NOT IN (SELECT uniqueid,linkedid,'NO ANSWER' disposition "
        "FROM cdr AS b WHERE disposition = 'ANSWERED' AND b.uniqueid = cdr.linkedid) AND ((uniqueid,linkedid,channel,dstchannel) "
        "IN (SELECT uniqueid,linkedid,MAX(channel),MAX(dstchannel) FROM cdr AS b WHERE b.uniqueid = cdr.uniqueid AND "
        "b.linkedid = cdr.linkedid AND disposition = 'NO ANSWER' ) OR disposition != 'NO ANSWER')"
    )
    attributes = (
        f"UNIX_TIMESTAMP(calldate) AS time, channel, dstchannel, uniqueid, linkedid, userfield, MAX(duration) AS duration, "
        f"IF (MIN(disposition) = 'ANSWERED', MAX(billsec), MIN(billsec)) AS billsec, disposition, dcontext, lastapp, "
        f"recordingfile, cnum, cnam, ccompany, src, dst, dst_cnam, dst_ccompany, clid, "
        f"IF ( (cnum IN ({e}) AND dst NOT IN ({e})), 'out', (IF ( (cnum NOT IN ({e}) AND dst IN ({e})), 'in', ''))) AS direction, "
        f"(select c.dst from cdr as c where c.uniqueid = cdr.linkedid and c.dst != cdr.dst and c.lastapp='Queue' limit 1) AS queue"
    )
    page = f"SELECT {attributes} FROM cdr WHERE {where} GROUP BY uniqueid, linkedid, disposition ORDER BY time desc LIMIT 0, {limit}"
    count = f"SELECT {attributes} FROM cdr WHERE {where} GROUP BY uniqueid, linkedid, disposition"
    return page, count


def original_switch_sql(first: str, last: str, limit: int, filter: str = "") -> tuple[str, str]:
    """The original's default histcallswitch query (getHistorySwitchCallInterval without type)."""
    f = f"%{filter}%"
    where = (
        f"(calldate>='{first} 00:00:00' AND calldate<='{last} 23:59:59') AND (cnum LIKE '{f}' OR clid LIKE '{f}' OR dst LIKE '{f}' "
        f"OR cnam LIKE '{f}' OR ccompany LIKE '{f}' OR dst_cnam LIKE '{f}' OR dst_ccompany LIKE '{f}') AND "
        "(uniqueid,linkedid,disposition) NOT IN (SELECT uniqueid,linkedid,'NO ANSWER' disposition FROM cdr AS b WHERE "
        "disposition = 'ANSWERED' AND b.uniqueid = cdr.linkedid) AND ((uniqueid,linkedid,channel,dstchannel) IN (SELECT "
        "uniqueid,linkedid,MAX(channel),MAX(dstchannel) FROM cdr AS b WHERE b.uniqueid = cdr.uniqueid AND b.linkedid = "
        "cdr.linkedid AND disposition = 'NO ANSWER' ) OR disposition != 'NO ANSWER')"
    )
    attributes = (
        "UNIX_TIMESTAMP(calldate) AS time, channel, dstchannel, uniqueid, linkedid, userfield, MAX(duration) AS duration, "
        "IF (MIN(disposition) = 'ANSWERED', MAX(billsec), MIN(billsec)) AS billsec, disposition, dcontext, lastapp, "
        "recordingfile, 'cti' AS source, IF (dstchannel REGEXP 'trunk1', 'out', (IF (channel REGEXP 'trunk1', 'in', "
        "'internal'))) AS type, cnum, cnam, ccompany, dst_cnam, dst_ccompany, src, dst, clid"
    )
    page = f"SELECT {attributes} FROM cdr WHERE {where} GROUP BY uniqueid, linkedid, disposition ORDER BY time desc LIMIT 0, {limit}"
    count = f"SELECT {attributes} FROM cdr WHERE {where} GROUP BY uniqueid, linkedid, disposition"
    return page, count


def for_sqlite(sql: str) -> str:
    sql = sql.replace("UNIX_TIMESTAMP(calldate)", "CAST(strftime('%s', calldate) AS INTEGER)")
    return re.sub(r"\bIF \(", "IIF(", sql)


async def timed(make, repeat: int) -> tuple[list[float], int]:
    times, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = await make()
        times.append((time.perf_counter() - t0) * 1000)
    return times, rows


async def run_engine(name: str, url: str, rows: int, repeat: int) -> list[list[object]]:
    await create_cdr(url)
    engine = create_async_engine(url)
    if name == "sqlite":
        event.listen(
            engine.sync_engine,
            "connect",
            lambda conn, _: conn.create_function(
                "regexp", 2, lambda pattern, value: re.search(pattern, value or "") is not None
            ),
        )
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        values = SQLITE if name == "sqlite" else MARIADB
        numbers = values["numbers"].format(rows=rows)
        if name == "mariadb":  # || concatenates, as in SQLite
            await conn.execute(text("SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT')"))
        await conn.execute(text(GENERATE.format(date=values["date"], cnum=CNUM, dst=DST, numbers=numbers)))
    print(f"{name}: {rows} rows generated in {time.perf_counter() - t0:.1f} s")
    if name == "sqlite":
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    reader = CdrReader(engine, cdr_table())
    last_day = START + timedelta(seconds=rows * 30) - timedelta(days=1)
    day = last_day.isoformat()
    week, month = (last_day - timedelta(days=6)).isoformat(), (last_day - timedelta(days=29)).isoformat()

    def ours(first, last, conditions, limit, filter=None):
        interval = Interval(date.fromisoformat(first), date.fromisoformat(last), filter, 0, limit)

        async def run():
            return len((await reader.page(interval, conditions(interval))).rows)

        return run

    def theirs(page_sql, count_sql):
        if name == "sqlite":
            page_sql, count_sql = for_sqlite(page_sql), for_sqlite(count_sql)
        else:  # the driver's paramstyle is "format"
            page_sql, count_sql = page_sql.replace("%", "%%"), count_sql.replace("%", "%%")

        async def run():
            async with engine.connect() as conn:
                page = (await conn.exec_driver_sql(page_sql)).fetchall()
                len((await conn.exec_driver_sql(count_sql)).fetchall())  # Sequelize's count: every group fetched
            return len(page)

        return run

    user = lambda i: reader.user_conditions(i, USER, None)  # noqa: E731
    switch = lambda i: reader.switch_conditions(i, TRUNKS, EXTENS, None)  # noqa: E731
    kinds = [
        ("user, 1 day, limit 15", ours(day, day, user, 15), theirs(*original_user_sql(USER, day, day, 15))),
        ("user, 30 days, limit 50", ours(month, day, user, 50), theirs(*original_user_sql(USER, month, day, 50))),
        ("switchboard, 1 day, limit 50", ours(day, day, switch, 50), theirs(*original_switch_sql(day, day, 50))),
        (
            "switchboard, 7 days, filter, limit 50",
            ours(week, day, switch, 50, "555"),
            theirs(*original_switch_sql(week, day, 50, "555")),
        ),
    ]
    table = []
    for label, mine, original in kinds:
        ours_ms, n = await timed(mine, repeat)
        theirs_ms, m = await timed(original, max(1, repeat // 4))
        table.append(
            [
                name,
                label,
                n,
                f"{percentile(ours_ms, 50):.1f}",
                f"{percentile(ours_ms, 99):.1f}",
                m,
                f"{percentile(theirs_ms, 50):.1f}",
                f"{percentile(theirs_ms, 99):.1f}",
                f"{percentile(theirs_ms, 50) / max(percentile(ours_ms, 50), 1e-6):.1f}x",
            ]
        )
    # paging: 30 days of the switchboard, 1000 rows a page
    interval = Interval(date.fromisoformat(month), date.fromisoformat(day), None, 0, 1000)
    t0, read, pages = time.perf_counter(), 0, 0
    while pages < 20:
        page = await reader.page(interval, switch(interval))
        read, pages = read + len(page.rows), pages + 1
        if len(page.rows) < interval.limit:
            break
        interval = Interval(interval.first, interval.last, None, interval.offset + interval.limit, interval.limit)
    table.append(
        [
            name,
            f"paging 30 days, {pages} pages of 1000",
            read,
            f"{read / (time.perf_counter() - t0):.0f} rows/s",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    await engine.dispose()
    return table


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--engines", default="sqlite,mariadb")
    args = parser.parse_args()
    engines = args.engines.split(",")
    print_header("history", rows=args.rows, repeat=args.repeat, engines=args.engines)
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in engines:
            table += await run_engine("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'cdr.db'}", args.rows, args.repeat)
        if "mariadb" in engines:
            from tests.mariadb import PrivateMariaDB, missing_binaries

            if missing_binaries():
                print("mariadb: not installed, skipped")
            else:
                with PrivateMariaDB(Path(tmp) / "mariadb") as server:
                    url = server.create_database("history")
                    table += await run_engine("mariadb", url, args.rows, args.repeat)
    print_table(
        f"history queries, {args.rows} CDR rows (ms)",
        ["engine", "query", "rows", "nethcti p50", "p99", "original rows", "original p50", "p99", "original / nethcti"],
        table,
    )


if __name__ == "__main__":
    asyncio.run(main())
