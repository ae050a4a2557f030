"""Reads and writes of the off-hour tables, by SQLAlchemy URL (MariaDB on NethVoice, SQLite elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import MetaData, delete, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nethcti_offhour.tables import asterisk_tables, nethcti_tables

ENABLED_CODES = {"never": 0, "always": 1, "period": 2}
ACTION_CODES = {"audiomsg": 0, "audiomsg_voicemail": 1, "redirect": 2}


@dataclass(frozen=True)
class Route:
    did: str
    cid: str
    destination: str
    description: str


@dataclass(frozen=True)
class Rule:
    did: str
    cid: str
    enabled: int
    tsbegin: int
    tsend: int
    action: int
    param: str
    message: str


@dataclass(frozen=True)
class Announcement:
    id: int
    username: str
    description: str
    privacy: str
    creation: datetime | None
    path: str


def _engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    options = {} if parsed.get_backend_name() == "sqlite" else {"pool_pre_ping": True, "pool_recycle": 3600}
    return create_async_engine(parsed, **options)


class OffhourStore:
    """``asterisk_url``: incoming + offhour; ``nethcti_url`` (default the same): offhour_files."""

    def __init__(self, asterisk_url: str, nethcti_url: str | None = None):
        self.asterisk = _engine(asterisk_url)
        self.nethcti = self.asterisk if not nethcti_url or nethcti_url == asterisk_url else _engine(nethcti_url)
        self.asterisk_meta, self.nethcti_meta = MetaData(), MetaData()
        self.incoming, self.offhour = asterisk_tables(self.asterisk_meta)
        self.files = nethcti_tables(self.nethcti_meta)

    async def create_tables(self) -> None:
        """Create the tables that are missing (demo and tests; NethVoice has them)."""
        async with self.asterisk.begin() as conn:
            await conn.run_sync(self.asterisk_meta.create_all)
        async with self.nethcti.begin() as conn:
            await conn.run_sync(self.nethcti_meta.create_all)

    # -- inbound routes and their rules

    async def routes(self) -> list[Route]:
        t = self.incoming.c
        async with self.asterisk.connect() as conn:
            rows = (await conn.execute(select(t.extension, t.cidnum, t.destination, t.description))).all()
        return [Route(r.extension or "", r.cidnum or "", r.destination or "", r.description or "") for r in rows]

    async def rules(self) -> list[Rule]:
        t = self.offhour.c
        async with self.asterisk.connect() as conn:
            rows = (await conn.execute(select(t.didextension, t.didcidnum, t.enabled, t.tsbegin, t.tsend, t.action,
                                              t.param, t.message).order_by(t.id))).all()
        return [Rule(r.didextension or "", r.didcidnum or "", r.enabled or 0, r.tsbegin or 0, r.tsend or 0,
                     r.action or 0, r.param or "", r.message or "") for r in rows]

    async def set_rule(self, did: str, cid: str, values: dict) -> None:
        """Update the rule of DID/CID with ``values`` (offhour columns), or insert it."""
        t = self.offhour.c
        where = (t.didextension == did, t.didcidnum == cid)
        async with self.asterisk.begin() as conn:
            row_id = (await conn.execute(select(t.id).where(*where).limit(1))).scalar()
            if row_id is not None:  # (not by rowcount: MySQL counts only changed rows)
                await conn.execute(update(self.offhour).where(t.id == row_id).values(**values))
            else:
                base = {"tsbegin": 0, "tsend": 0, "action": 0, "param": "", "message": "", "destination": ""}
                await conn.execute(self.offhour.insert().values(
                    **{**base, **values, "didextension": did, "didcidnum": cid}))

    async def delete_rules_playing(self, message: str) -> int:
        async with self.asterisk.begin() as conn:
            return (await conn.execute(delete(self.offhour).where(self.offhour.c.message == message))).rowcount

    # -- announcements

    async def announcements(self, username: str | None = None, public_too: bool = False) -> list[Announcement]:
        """All of them; with ``username``: theirs (and, with ``public_too``, every public one)."""
        t = self.files.c
        query = select(self.files).order_by(t.id)
        if username is not None:
            query = query.where((t.username == username) | (t.privacy == "public") if public_too
                                else t.username == username)
        async with self.nethcti.connect() as conn:
            return [Announcement(**row._mapping) for row in (await conn.execute(query)).all()]

    async def announcement(self, announcement_id: int) -> Announcement | None:
        async with self.nethcti.connect() as conn:
            row = (await conn.execute(select(self.files).where(self.files.c.id == announcement_id))).first()
        return Announcement(**row._mapping) if row is not None else None

    async def add_announcement(self, username: str, description: str, privacy: str, path: str) -> int | None:
        """The new row's id; None when the user has one with that description already."""
        t = self.files.c
        async with self.nethcti.begin() as conn:
            taken = (await conn.execute(select(t.id).where(t.username == username, t.description == description)
                                        .limit(1))).scalar()
            if taken is not None:
                return None
            result = await conn.execute(self.files.insert().values(
                username=username, description=description, privacy=privacy, path=path,
                creation=datetime.now().replace(microsecond=0)))
            return result.inserted_primary_key[0]

    async def modify_announcement(self, announcement_id: int, values: dict) -> None:
        async with self.nethcti.begin() as conn:
            await conn.execute(update(self.files).where(self.files.c.id == announcement_id).values(**values))

    async def delete_announcement(self, announcement_id: int) -> None:
        async with self.nethcti.begin() as conn:
            await conn.execute(delete(self.files).where(self.files.c.id == announcement_id))

    async def close(self) -> None:
        await self.asterisk.dispose()
        if self.nethcti is not self.asterisk:
            await self.nethcti.dispose()

    def describe(self) -> dict:
        return {"asterisk_db": self.asterisk.url.render_as_string(hide_password=True),
                "nethcti_db": self.nethcti.url.render_as_string(hide_password=True)}
