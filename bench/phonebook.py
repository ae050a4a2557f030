"""Phonebook: search latency over 100,000 contacts, per search kind, on SQLite and on MariaDB side by side.

    .venv/bin/python bench/phonebook.py [--contacts 100000] [--repeat 20] [--engines sqlite,mariadb]

Fills NethVoice's ``cti_phonebook`` (the plugin's table and indexes) with synthetic contacts of 50 users (70 %
public, 25 % private, 5 % speed dials; 1000 surnames, a company for every 10 contacts, half with an email),
then times the plugin's own service (``nethcti_phonebook.service.Phonebook``: the SQL it runs and the rows it
builds, no HTTP) for each search the routes offer, and prints what the database does for each: SQLite's
``EXPLAIN QUERY PLAN``, MariaDB's ``EXPLAIN`` (access type and index). MariaDB is a private server started
for the run (tests/mariadb.py); without mariadbd only SQLite is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import percentile, print_header, print_table
from nethcti_phonebook.service import Phonebook, Search
from nethcti_phonebook.tables import cti_phonebook, metadata
from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

USER = "u001"
SURNAMES = [
    f"{a}{b}{c}"
    for a in ("Bar", "Cor", "Del", "Fer", "Gal", "Mar", "Ros", "Ser", "Tor", "Vil")
    for b in ("an", "el", "in", "on", "ur", "ab", "ic", "ot", "es", "ig")
    for c in ("ti", "li", "ni", "ri", "si", "di", "chi", "ghi", "zi", "vi")
]
FIRST = ["Mario", "Luisa", "Anna", "Paolo", "Giulia", "Marco", "Sara", "Luca", "Elena", "Davide"]


def contacts(count: int, seed: int = 1):
    rng = random.Random(seed)
    for number in range(count):
        kind = rng.random()
        surname = SURNAMES[number % len(SURNAMES)]
        company = f"{SURNAMES[(number // 10) % len(SURNAMES)]} {('Srl', 'SpA', 'Snc')[number % 3]} {number // 10000}"
        card = number % 10 == 0  # the company's own card: no name
        yield {
            "owner_id": f"u{rng.randrange(50):03d}",
            "type": "public" if kind < 0.7 else "private" if kind < 0.95 else "speeddial",
            "name": None if card else f"{FIRST[number % len(FIRST)]} {surname} {number}",
            "company": company,
            "workphone": f"0721 {rng.randrange(10**6):06d}",
            "cellphone": f"3{rng.randrange(10**9):09d}",
            "workemail": f"{surname.lower()}.{number}@example{number % 7}.com" if number % 2 else None,
            "notes": "customer since 2019" if number % 5 == 0 else None,
            "speeddial_num": f"{number}" if kind >= 0.95 else None,
        }


SEARCHES = {
    "contains: a surname (~100 hits)": Search("contains", "Delabri", limit=50),
    "contains: a number (1 hit)": Search("contains", "", limit=50),  # term set from the data
    "contains: nothing matches": Search("contains", "zzzz", limit=50),
    "contains: common letter, page 1": Search("contains", "a", limit=50),
    "email: an address part": Search("email", "corinti.3", limit=50),
    "startswith: a name": Search("startswith", "Giulia Vil", view="person", limit=50),
    "startswith: a company": Search("startswith", "Tores", view="company", limit=50),
    "startswith_digit": Search("digit", limit=50),
    "company view: contains": Search("contains", "Ferot", view="company", limit=20),
    "getall: page 1 by name": Search("all", sort="displayname", limit=50),
}


async def fill(engine, count: int) -> tuple[str, int]:
    """Store ``count`` contacts; the number and id of a public one."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
        batch = []
        for row in contacts(count):
            batch.append(row)
            if len(batch) == 2000:
                await conn.execute(insert(cti_phonebook), batch)
                batch = []
        if batch:
            await conn.execute(insert(cti_phonebook), batch)
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql("ANALYZE")
        else:
            await conn.exec_driver_sql("ANALYZE TABLE cti_phonebook")
        c = cti_phonebook.c
        number, public = (
            await conn.execute(select(c.workphone, c.id).where(c.type == "public").order_by(c.id.desc()).limit(1))
        ).one()
    return number.split()[1], public


def statement(phonebook: Phonebook, search: Search):
    """The rows query the service runs for ``search`` (for the plan)."""
    source = phonebook.cti
    condition = and_(source.visible(USER, search.visibility), source.matching(search))
    if search.view == "company" and search.kind != "all":
        company = source.table.c.company
        return select(company).where(condition, company > "").group_by(company).order_by(company).limit(search.limit)
    return select(source.table).where(condition).order_by(*source.order(search.sort)).limit(search.limit)


async def plan(engine, stmt) -> str:
    sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)).all()
            return "; ".join(row[-1] for row in rows)
        rows = (await conn.exec_driver_sql("EXPLAIN " + sql)).mappings().all()  # "%%": the driver formats
        return "; ".join(
            f"{row['type']} {row['key'] or '-'}" + (f" ({row['Extra']})" if row["Extra"] else "") for row in rows
        )


async def timed(call, repeat: int) -> tuple[list[float], object]:
    result = await call()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = await call()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def size_of(result) -> int:
    return result["count"] if isinstance(result, dict) and "count" in result else len(result)


async def measure(url: str, args) -> dict[str, tuple]:
    engine = create_async_engine(url)
    out = {}
    try:
        start = time.perf_counter()
        number, public = await fill(engine, args.contacts)
        print(
            f"{engine.dialect.name}: {args.contacts:,} contacts stored in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        phonebook = Phonebook(engine)
        for name, search in SEARCHES.items():
            if search.kind == "contains" and not search.term:
                search = Search("contains", number, limit=search.limit)
            times, result = await timed(lambda search=search: phonebook.search(USER, search), args.repeat)
            out[name] = (times, size_of(result), await plan(engine, statement(phonebook, search)))
        c = cti_phonebook.c
        times, result = await timed(lambda: phonebook.speeddials(USER), args.repeat)
        stmt = select(cti_phonebook).where(c.owner_id == USER, c.type == "speeddial").order_by(c.name, c.company)
        out["speeddials of a user"] = (times, len(result), await plan(engine, stmt))
        times, result = await timed(lambda: phonebook.cti_contact(USER, public), args.repeat)
        out["cticontact by id"] = (times, 1, await plan(engine, select(cti_phonebook).where(c.id == public)))
    finally:
        await engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--engines", default="sqlite,mariadb")
    args = parser.parse_args()
    engines = args.engines.split(",")
    print_header("phonebook searches", contacts=args.contacts, repeat=args.repeat, engines=args.engines)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nethcti-bench-phonebook-") as tmp:
        if "sqlite" in engines:
            results["SQLite"] = asyncio.run(measure(f"sqlite+aiosqlite:///{Path(tmp) / 'nethcti.db'}", args))
        if "mariadb" in engines:
            from tests.mariadb import PrivateMariaDB, missing_binaries

            if missing_binaries():
                print(f"MariaDB not measured: {', '.join(missing_binaries())} not installed")
            else:
                with PrivateMariaDB(Path(tmp) / "mariadb") as server:
                    results["MariaDB"] = asyncio.run(measure(server.create_database("nethcti3"), args))
    names = list(next(iter(results.values())))
    headers = ["search", "rows/count"]
    for engine in results:
        headers += [f"{engine} median ms", f"{engine} p95 ms"]
    rows = []
    for name in names:
        row = [name, next(iter(results.values()))[name][1]]
        for engine in results:
            times = results[engine][name][0]
            row += [statistics.median(times), percentile(times, 95)]
        rows.append(row)
    print_table(
        f"search latency, {args.contacts:,} contacts (the caller sees ~{0.7 + 0.25 / 50:.0%} of them)", headers, rows
    )
    for engine, measured in results.items():
        print_table(
            f"{engine}: what the database does", ["search", "plan"], [[name, measured[name][2]] for name in names]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
