"""NethVoice's outbound-route PINs: tables ``pin`` (a PIN per extension) and ``pin_protected_routes``.

Read and written in the database of ``[astproxy] pin_url`` (NethVoice's ``asterisk``), else in nethcti's own
database (the ``database`` plugin), where the tables are created at first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nethcti.errors import ServiceUnavailable

metadata = MetaData()
pin_table = Table(
    "pin", metadata,
    Column("extension", String(50), primary_key=True),
    Column("pin", String(50), nullable=False),
    Column("enabled", Boolean, nullable=False, default=False),
)
protected_routes = Table(
    "pin_protected_routes", metadata,
    Column("route_id", Integer, primary_key=True, autoincrement=False),
    Column("enabled", Boolean, nullable=False, default=False),
)


class PinsUnavailable(ServiceUnavailable):
    error_id, message = "pins-unavailable", "No database for the PINs: set [astproxy] pin_url or enable database"


@asynccontextmanager
async def failures() -> AsyncIterator[None]:
    """A database that fails (down, no such table) is a 503 naming the error class, never its text."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise PinsUnavailable(f"The PIN database failed: {type(exc).__name__}") from None


class PinStore:
    """The PIN tables, by URL or in nethcti's database (``database()`` gives its service, or None)."""

    def __init__(self, url: str | None, database: Callable[[], Any]):
        self._url, self._database = url, database
        self._engine: AsyncEngine | None = None
        self._own = url is not None  # an engine of ours, to dispose of
        self._ready = asyncio.Lock()
        self._created = False

    async def engine(self) -> AsyncEngine:
        async with self._ready:
            if self._engine is None:
                if self._url is not None:
                    url = make_url(self._url)
                    options = {} if url.get_backend_name() == "sqlite" else {"pool_pre_ping": True,
                                                                              "pool_recycle": 3600}
                    self._engine = create_async_engine(url, **options)
                elif (database := self._database()) is not None:
                    self._engine = database.engine
                else:
                    raise PinsUnavailable()
            if not self._own and not self._created:  # nethcti's database: the tables are ours to create
                try:
                    async with self._engine.begin() as conn:
                        await conn.run_sync(metadata.create_all)
                except SQLAlchemyError as exc:
                    raise PinsUnavailable(f"Cannot create the PIN tables: {type(exc).__name__}") from None
                self._created = True
            return self._engine

    async def pins(self, extensions: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``{"<ext>": {"extension", "pin", "enabled"}}`` of the rows of ``extensions``."""
        wanted = sorted(extensions)
        if not wanted:
            return {}
        engine = await self.engine()
        query = select(pin_table.c.extension, pin_table.c.pin, pin_table.c.enabled).where(
            pin_table.c.extension.in_(wanted))
        async with failures(), engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row.extension: {"extension": row.extension, "pin": row.pin, "enabled": bool(row.enabled)}
                for row in rows}

    async def set_pin(self, extension: str, pin: str, enabled: bool) -> None:
        """Insert or update the row of ``extension``."""
        engine = await self.engine()
        row = pin_table.c.extension == extension
        async with failures(), engine.begin() as conn:
            if (await conn.execute(select(pin_table.c.extension).where(row))).first() is not None:
                await conn.execute(update(pin_table).where(row).values(pin=pin, enabled=enabled))
            else:
                await conn.execute(pin_table.insert().values(extension=extension, pin=pin, enabled=enabled))

    async def enabled(self) -> bool:
        """Whether some outbound route asks for a PIN."""
        engine = await self.engine()
        query = select(func.count()).select_from(protected_routes).where(protected_routes.c.enabled.is_(True))
        async with failures(), engine.connect() as conn:
            return bool((await conn.execute(query)).scalar())

    async def close(self) -> None:
        if self._own and self._engine is not None:
            await self._engine.dispose()
