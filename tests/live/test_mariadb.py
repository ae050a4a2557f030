"""The private MariaDB fixture: a real server the database-backed plugins are tested on."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def test_databases_are_fresh_and_reachable_over_loopback(mariadb):
    first, second = mariadb.create_database("fixture"), mariadb.create_database("fixture")
    assert first != second and "127.0.0.1" in first
    engine = create_async_engine(first)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (name VARCHAR(20) CHARACTER SET utf8mb4)"))
            await conn.execute(text("INSERT INTO t VALUES ('Nicolò ☎')"))
            assert (await conn.execute(text("SELECT name FROM t"))).scalar() == "Nicolò ☎"
            assert "MariaDB" in (await conn.execute(text("SELECT VERSION()"))).scalar()
    finally:
        await engine.dispose()
    assert mariadb.sql("SHOW TABLES", database=second.rsplit("/", 1)[1].split("?")[0]).strip() == ""
