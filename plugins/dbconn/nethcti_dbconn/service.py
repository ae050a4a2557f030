"""Connect to a database with a bounded timeout and run ``SELECT 1``; nothing else is ever sent to it."""

from __future__ import annotations

import asyncio
import importlib.util

from loguru import logger
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from nethcti_dbconn.errors import DbconnForbidden, DbconnTypeUnsupported, DbconnUnreachable

# the original's types -> (SQLAlchemy driver name, Python module); MSSQL has no async driver here
DRIVERS = {"mysql": ("mysql+asyncmy", "asyncmy"), "postgres": ("postgresql+asyncpg", "asyncpg")}


class Dbconn:
    def __init__(self, admins, timeout: float):
        self.admins, self.timeout = frozenset(a.lower() for a in admins), timeout

    def url(self, params: dict) -> URL:
        kind = params["type"].split(":", 1)[0]
        driver, module = DRIVERS.get(kind, (None, None))
        if driver is None or importlib.util.find_spec(module) is None:
            raise DbconnTypeUnsupported(details={"type": params["type"]})
        # built field by field: nothing a client sends is pasted into a URL string
        return URL.create(driver, username=params["user"], password=params["password"], host=params["host"],
                          port=params["port"], database=params["name"])

    async def test(self, user, params: dict) -> None:
        """Return when the database answered ``SELECT 1`` within ``timeout``; 503 otherwise (no secret in it)."""
        if user.username.lower() not in self.admins:
            raise DbconnForbidden()
        url = self.url(params)
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with asyncio.timeout(self.timeout):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error, refused connection or timeout: the database is unreachable
            reason = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            logger.info("dbconn: test of {} by {} failed: {}", url.render_as_string(hide_password=True),
                        user.username, reason)
            raise DbconnUnreachable(details={"reason": reason}) from None
        finally:
            await engine.dispose()
