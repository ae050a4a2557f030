"""Persistent tokens (no expiry: mobile app, phone-island, ``auth-exp: no-exp``), stored as SHA-256 digests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nethcti_auth.tokens import Clock, token_digest

CACHE_SECONDS = 60  # a token revoked by another process stops working here within this time


class Base(DeclarativeBase):
    pass


class PersistentToken(Base):
    """One token per (login, audience); ``login`` is the key the client sends in ``Authorization``."""

    __tablename__ = "auth_persistent_tokens"
    __table_args__ = (UniqueConstraint("login", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(255), index=True)
    audience: Mapped[str] = mapped_column(String(64))  # "no-exp", "phone-island", "phone-island:<subtype>"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


@dataclass(frozen=True, slots=True)
class Entry:
    login: str
    username: str
    audience: str
    checked: float


class PersistentTokens:
    """The table, with a cache of the digests this process has seen (the hot path of every request)."""

    def __init__(self, db, clock: Clock = time.monotonic):
        self.db, self.clock = db, clock
        self._cache: dict[str, Entry] = {}

    async def load(self) -> int:
        async with self.db.session() as session:
            rows = (await session.execute(select(PersistentToken))).scalars().all()
        now = self.clock()
        self._cache = {row.token_hash: Entry(row.login, row.username, row.audience, now) for row in rows}
        return len(rows)

    async def store(self, login: str, username: str, audience: str, token: str) -> None:
        """Save ``token`` for (login, audience), replacing the previous one."""
        digest = token_digest(token)
        async with self.db.begin() as session:
            await session.execute(delete(PersistentToken).where(
                PersistentToken.login == login, PersistentToken.audience == audience))
            session.add(PersistentToken(login=login, username=username, audience=audience, token_hash=digest))
        self._forget(lambda e: e.login == login and e.audience == audience)
        self._cache[digest] = Entry(login, username, audience, self.clock())

    async def find(self, token: str) -> Entry | None:
        digest = token_digest(token)
        entry = self._cache.get(digest)
        if entry is not None and self.clock() - entry.checked < CACHE_SECONDS:
            return entry
        async with self.db.session() as session:
            row = (await session.execute(
                select(PersistentToken).where(PersistentToken.token_hash == digest))).scalar_one_or_none()
        if row is None:
            self._cache.pop(digest, None)
            return None
        entry = self._cache[digest] = Entry(row.login, row.username, row.audience, self.clock())
        return entry

    async def exists(self, username: str, audience: str) -> bool:
        async with self.db.session() as session:
            found = await session.execute(select(PersistentToken.id).where(
                PersistentToken.username == username, PersistentToken.audience == audience).limit(1))
            return found.first() is not None

    async def remove(self, username: str, audience: str) -> list[tuple[str, str]]:
        """Delete ``username``'s tokens for ``audience``; return their (login, token digest)."""
        return await self._delete(PersistentToken.username == username, PersistentToken.audience == audience)

    async def remove_token(self, login: str, token: str) -> bool:
        where = PersistentToken.login == login, PersistentToken.token_hash == token_digest(token)
        return bool(await self._delete(*where))

    async def _delete(self, *where) -> list[tuple[str, str]]:
        async with self.db.begin() as session:
            rows = (await session.execute(select(PersistentToken).where(*where))).scalars().all()
            if rows:
                await session.execute(delete(PersistentToken).where(PersistentToken.id.in_([r.id for r in rows])))
        for row in rows:
            self._cache.pop(row.token_hash, None)
        return [(row.login, row.token_hash) for row in rows]

    def forget(self, digest: str) -> None:
        """Drop a cached token (removed by another process)."""
        self._cache.pop(digest, None)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _forget(self, match) -> None:
        for digest in [d for d, entry in self._cache.items() if match(entry)]:
            del self._cache[digest]
