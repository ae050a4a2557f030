"""User settings (``/user/settings``): nethcti-server's ``user_settings`` table, and a cache for sync readers.

The table has the original's name and columns, so a MySQL ``[database] url`` pointing at NethVoice's
``nethcti3`` database keeps the settings users already have (avatar, default device …).
Values are stored as the original stores them: objects, arrays, booleans and null as JSON, strings raw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import String, Text, UniqueConstraint, delete, func, select
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_EXTENSION = "default_extension"
AVATAR = "avatar"


class Base(DeclarativeBase):
    pass


class UserSetting(Base):
    __tablename__ = "user_settings"
    __table_args__ = (UniqueConstraint("username", "key_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), index=True)
    key_name: Mapped[str] = mapped_column(String(128))
    value: Mapped[str | None] = mapped_column(Text().with_variant(mysql.MEDIUMTEXT(), "mysql"))  # avatars are big


def encode(value: Any) -> str:
    """As the original: strings raw, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def decode(raw: str | None) -> Any:
    """As the original reads them back: ``{…}``, ``[…]``, null, true and false are JSON; the rest stays a string."""
    if raw is None:
        return None
    if raw.startswith(("{", "[")) or raw in ("null", "true", "false"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


@dataclass(frozen=True)
class Limits:
    """What one user may store: ``GET /user/me`` sends it all on every call, so it stays small."""

    max_keys: int = 100
    max_value_bytes: int = 1 << 20
    max_total_bytes: int = 4 << 20


class Settings:
    """The table, and every user's ``default_extension`` cached for a sync reader (astproxy's default device).

    The cache follows every read and write of this process; another process's change shows up at this
    process's next read of that user's settings.
    """

    def __init__(self, db, limits: Limits = Limits()):
        self.db, self.limits = db, limits
        self._defaults: dict[str, str] = {}  # username -> default_extension, raw

    async def load(self) -> int:
        async with self.db.session() as session:
            rows = (await session.execute(select(UserSetting.username, UserSetting.value).where(
                UserSetting.key_name == DEFAULT_EXTENSION))).all()
        self._defaults = {username: value for username, value in rows if value is not None}
        return len(self._defaults)

    def default_extension(self, username: str) -> str | None:
        value = decode(self._defaults.get(username))
        return value if isinstance(value, str) else None

    def _remember(self, username: str, raw: dict[str, str | None]) -> None:
        if DEFAULT_EXTENSION in raw and raw[DEFAULT_EXTENSION] is not None:
            self._defaults[username] = raw[DEFAULT_EXTENSION]

    async def get(self, username: str) -> dict[str, Any]:
        """Every setting of ``username``, decoded."""
        async with self.db.session() as session:
            rows = (await session.execute(
                select(UserSetting.key_name, UserSetting.value).where(UserSetting.username == username))).all()
        raw = {key: value for key, value in rows}
        self._defaults.pop(username, None)
        self._remember(username, raw)
        return {key: decode(value) for key, value in raw.items()}

    async def set(self, username: str, values: dict[str, Any]) -> None:
        """Insert or replace the ``values`` of ``username`` (one transaction)."""
        encoded = {key: encode(value) for key, value in values.items()}
        too_big = [key for key, value in encoded.items() if _size(value) > self.limits.max_value_bytes]
        if too_big:
            raise ValidationError({key: [f"At most {self.limits.max_value_bytes} bytes"] for key in too_big})
        for attempt in (1, 2):  # another process may insert the same key between our select and insert
            try:
                async with self.db.begin() as session:
                    await self._check_room(session, username, encoded)
                    rows = (await session.execute(select(UserSetting).where(
                        UserSetting.username == username, UserSetting.key_name.in_(encoded)))).scalars().all()
                    existing = {row.key_name: row for row in rows}
                    for key, value in encoded.items():
                        if key in existing:
                            existing[key].value = value
                        else:
                            session.add(UserSetting(username=username, key_name=key, value=value))
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        self._remember(username, encoded)

    async def _check_room(self, session, username: str, encoded: dict[str, str]) -> None:
        """The user's settings after this write stay within the key count and the total size."""
        kept = (await session.execute(
            select(func.count(), func.coalesce(func.sum(func.length(UserSetting.value)), 0)).where(
                UserSetting.username == username, UserSetting.key_name.not_in(encoded)))).one()
        keys, size = kept[0] + len(encoded), kept[1] + sum(map(_size, encoded.values()))
        if keys > self.limits.max_keys:
            raise ValidationError({"settings": [f"At most {self.limits.max_keys} settings per user"]})
        if size > self.limits.max_total_bytes:
            raise ValidationError({"settings": [f"At most {self.limits.max_total_bytes} bytes of settings per user"]})

    async def delete(self, username: str, key: str | None = None) -> list[str]:
        """Delete one setting of ``username`` (every one when ``key`` is None); the keys that existed."""
        condition = [UserSetting.username == username]
        if key is not None:
            condition.append(UserSetting.key_name == key)
        async with self.db.begin() as session:
            keys = list((await session.execute(select(UserSetting.key_name).where(*condition))).scalars())
            await session.execute(delete(UserSetting).where(*condition))
        if key in (None, DEFAULT_EXTENSION):
            self._defaults.pop(username, None)
        return keys

    async def avatars(self) -> dict[str, str]:
        """``{username: avatar}`` of every user who has one, raw as stored."""
        async with self.db.session() as session:
            rows = (await session.execute(select(UserSetting.username, UserSetting.value).where(
                UserSetting.key_name == AVATAR))).all()
        return {username: value for username, value in rows if value is not None}


def _size(value: str | None) -> int:
    return len(value.encode()) if value else 0
