"""The Database service: one async engine and session factory, shared by every plugin."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

CREATE_ATTEMPTS = 3  # another process creating the same tables at the same moment
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON")


def default_url(state_dir: str | Path) -> str:
    """The embedded SQLite database in the state directory."""
    return f"sqlite+aiosqlite:///{Path(state_dir) / 'nethcti.db'}"


class Database:
    """``app.extensions["database"]``: ``engine``, ``sessionmaker``, and table creation.

    ``async with db.session() as session`` for reads, ``async with db.begin() as session`` for a
    transaction committed on exit (rolled back on error).
    """

    def __init__(self, url: str | URL, *, echo: bool = False, pool_recycle: int = 3600):
        self.url = make_url(url)
        options: dict = {"echo": echo}
        if self.url.get_backend_name() == "sqlite":
            database = self.url.database or ""
            if database in ("", ":memory:"):
                options["poolclass"] = StaticPool  # one shared connection, or every session sees an empty db
            else:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            options.update(pool_pre_ping=True, pool_recycle=pool_recycle)  # MySQL drops idle connections
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.url.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)
        self.tables: list[str] = []

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    def begin(self):
        """A session inside a transaction: ``async with db.begin() as session``."""
        return self.sessionmaker.begin()

    async def create_tables(self, metadata: MetaData | Iterable[MetaData]) -> None:
        """Create the tables of ``metadata`` that do not exist yet (existing tables are left alone).

        Several processes starting at once on one database (systemd's ``nethcti@<port>``) may each find a table
        missing and the slower one's CREATE fail: it looks again, and finds the table there.
        """
        for md in [metadata] if isinstance(metadata, MetaData) else metadata:
            for attempt in range(1, CREATE_ATTEMPTS + 1):
                try:
                    async with self.engine.begin() as conn:
                        await conn.run_sync(md.create_all)
                    break
                except (OperationalError, ProgrammingError):
                    if attempt == CREATE_ATTEMPTS:
                        raise
                    await asyncio.sleep(0.2 * attempt)
            self.tables.extend(md.tables)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()

    def describe(self) -> str:
        """The URL with its password hidden, for logs and /status."""
        return self.url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
