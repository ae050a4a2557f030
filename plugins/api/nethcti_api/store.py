"""The plugin's tables: live JWTs (by digest), TOTP secrets (encrypted) and recovery codes (hashed)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from nethcti_auth.tokens import Clock, token_digest
from sqlalchemy import Boolean, Integer, String, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CACHE_SECONDS = 60  # a JWT revoked by another process stops working here within this time


class Base(DeclarativeBase):
    pass


class LiveToken(Base):
    """A JWT handed out and not revoked; a JWT without its row is refused (logout, restart, another process)."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(255), index=True)
    expires: Mapped[int] = mapped_column(Integer, index=True)  # epoch seconds, as the token's exp


class TotpSecret(Base):
    __tablename__ = "api_totp"

    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    secret: Mapped[str] = mapped_column(String(512))  # Fernet-encrypted base32 secret
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)  # set by the first verified one-time password
    last_step: Mapped[int] = mapped_column(Integer, default=0)  # 30-s step of the last code accepted: no replay


class RecoveryCode(Base):
    __tablename__ = "api_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(255), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True, slots=True)
class Live:
    username: str
    expires: int
    checked: float


class LiveTokens:
    """The ``api_tokens`` table, with a short cache of what this process has seen (every request checks it)."""

    def __init__(self, db, clock: Clock = time.monotonic, now: Clock = time.time):
        self.db, self.clock, self.now = db, clock, now
        self._cache: dict[str, Live] = {}

    async def add(self, username: str, token: str, expires: int) -> None:
        digest = token_digest(token)
        async with self.db.begin() as session:
            session.add(LiveToken(token_hash=digest, username=username, expires=expires))
        self._cache[digest] = Live(username, expires, self.clock())

    async def alive(self, token: str) -> bool:
        digest = token_digest(token)
        live = self._cache.get(digest)
        if live is None or self.clock() - live.checked >= CACHE_SECONDS:
            async with self.db.session() as session:
                row = await session.get(LiveToken, digest)
            if row is None:
                self._cache.pop(digest, None)
                return False
            live = self._cache[digest] = Live(row.username, row.expires, self.clock())
        return live.expires > self.now()

    async def revoked(self, login: str, digest: str) -> None:
        """An auth revocation subscriber: a token revoked here or in another process is asked for again."""
        self._cache.pop(digest, None)

    async def resync(self, _data: dict) -> None:
        """The link to the other processes is back: revocations told meanwhile were lost."""
        self._cache.clear()

    async def remove(self, token: str) -> str | None:
        """Revoke one token; the username it was issued to, or None when it was not live."""
        removed = await self._delete(LiveToken.token_hash == token_digest(token))
        return removed[0][0] if removed else None

    async def remove_user(self, username: str, keep: str | None = None) -> list[tuple[str, str]]:
        """Revoke every token of ``username`` but ``keep``; their (username, digest)."""
        where = [LiveToken.username == username]
        if keep is not None:
            where.append(LiveToken.token_hash != token_digest(keep))
        return await self._delete(*where)

    async def purge(self) -> int:
        """Forget expired tokens; their number."""
        expired = await self._delete(LiveToken.expires <= int(self.now()))
        return len(expired)

    async def _delete(self, *where) -> list[tuple[str, str]]:
        async with self.db.begin() as session:
            rows = (await session.execute(select(LiveToken.username, LiveToken.token_hash).where(*where))).all()
            if rows:
                await session.execute(delete(LiveToken).where(LiveToken.token_hash.in_([r[1] for r in rows])))
        for _username, digest in rows:
            self._cache.pop(digest, None)
        return [(username, digest) for username, digest in rows]
