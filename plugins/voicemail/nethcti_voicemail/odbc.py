"""ODBC storage, as NethVoice runs app_voicemail: the ``voicemessages`` table of asteriskcdrdb, by SQLAlchemy URL.

Asterisk keeps one row per message (``dir`` = the spool path of its folder, ``msgnum`` its number there,
``recording`` the audio) and one per custom greeting (``dir`` = ``…/<box>/<greet|busy|unavail>``, msgnum -1).
Moves and deletes keep each folder numbered without gaps, as app_voicemail does.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, MetaData, SmallInteger, String, Table, delete, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti_voicemail.model import FOLDERS, NEW_FOLDERS, OLD_FOLDERS, Counts, Message

ROW_ID_DIGITS = 10


def voicemessages_table(name: str = "voicemessages", metadata: MetaData | None = None) -> Table:
    """NethVoice's asteriskcdrdb table (Asterisk's ODBC storage columns, plus ``id``, ``read``)."""
    return Table(
        name, metadata if metadata is not None else MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("msgnum", Integer, nullable=False, default=0),
        Column("dir", String(80), default="", index=True),
        Column("context", String(80), default=""),
        Column("macrocontext", String(80), default=""),
        Column("callerid", String(40), default=""),
        Column("origtime", String(40), default=""),
        Column("duration", String(20), default=""),
        Column("mailboxuser", String(80), default=""),
        Column("mailboxcontext", String(80), default=""),
        Column("recording", LargeBinary().with_variant(LargeBinary(2**32 - 1), "mysql", "mariadb")),
        Column("flag", String(128), default=""),
        Column("read", SmallInteger, default=0),
        Column("msg_id", String(40), default=""),
    )


class OdbcStorage:
    """The table of one voicemail context; ``spool_dir`` is the path Asterisk writes in ``dir``."""

    kind = "odbc"

    def __init__(self, url: str, table: str, spool_dir: str, context: str):
        self.url = make_url(url)
        options = {} if self.url.get_backend_name() == "sqlite" else {"pool_pre_ping": True, "pool_recycle": 3600}
        self.engine = create_async_engine(self.url, **options)
        self.table = voicemessages_table(table)
        self.base = f"{spool_dir.rstrip('/')}/{context}"
        self.context = context

    def dir_of(self, box: str, folder: str) -> str:
        return f"{self.base}/{box}/{folder}"

    @staticmethod
    def parse_id(raw: str) -> int | None:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= ROW_ID_DIGITS else None

    def _columns(self):
        t = self.table.c
        return (t.id, t.msgnum, t.dir, t.callerid, t.origtime, t.duration, t.mailboxuser, t.mailboxcontext)

    def _message(self, row) -> Message | None:
        """The row as a message, if it is one of this context (not a greeting, nor another context's)."""
        box, _, folder = (row.dir or "").rpartition("/")
        if folder not in FOLDERS or row.msgnum is None or row.msgnum < 0 or row.mailboxcontext != self.context \
                or box != f"{self.base}/{row.mailboxuser}":
            return None
        return Message(row.id, row.mailboxuser, folder, row.msgnum, row.origtime or "", row.duration or "",
                       row.callerid or "", row.dir)

    async def list(self, box: str, folders) -> list[Message]:
        t = self.table.c
        query = select(*self._columns()).where(
            t.mailboxuser == box, t.dir.in_([self.dir_of(box, folder) for folder in folders]))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return sorted(filter(None, map(self._message, rows)), key=Message.sort_key)

    async def find(self, row_id: int, boxes: tuple[str, ...] = ()) -> Message | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(*self._columns()).where(self.table.c.id == row_id))).first()
        return self._message(row) if row is not None else None

    async def audio(self, message: Message) -> bytes | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(self.table.c.recording).where(self.table.c.id == message.id))).scalar()

    async def move(self, message: Message, to_folder: str) -> None:
        t = self.table.c
        target = self.dir_of(message.box, to_folder)
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(t.dir, t.msgnum).where(t.id == message.id).with_for_update())).first()
            if row is None or row.dir != message.dir:  # moved or deleted meanwhile
                return
            last = (await conn.execute(select(func.max(t.msgnum)).where(t.dir == target))).scalar()
            await conn.execute(update(self.table).where(t.id == message.id).values(
                dir=target, msgnum=(last if last is not None else -1) + 1))
            await self._close_gap(conn, row.dir, row.msgnum)

    async def delete(self, message: Message) -> bool:
        t = self.table.c
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(t.dir, t.msgnum).where(t.id == message.id).with_for_update())).first()
            if row is None:
                return False
            await conn.execute(delete(self.table).where(t.id == message.id))
            await self._close_gap(conn, row.dir, row.msgnum)
        return True

    async def _close_gap(self, conn, folder_dir: str, msgnum: int) -> None:
        t = self.table.c
        await conn.execute(update(self.table).where(t.dir == folder_dir, t.msgnum > msgnum).values(msgnum=t.msgnum - 1))

    async def counts(self, box: str) -> Counts:
        t = self.table.c
        dirs = {self.dir_of(box, folder): folder for folder in (*NEW_FOLDERS, *OLD_FOLDERS)}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.dir, func.count()).where(t.dir.in_(dirs), t.msgnum >= 0)
                                       .group_by(t.dir))).all()
        by_folder = {dirs[row[0]]: row[1] for row in rows}
        return Counts(sum(by_folder.get(f, 0) for f in NEW_FOLDERS), sum(by_folder.get(f, 0) for f in OLD_FOLDERS))

    # -- greetings: the row of dir "<spool>/<context>/<box>/<type>", msgnum -1, as app_voicemail stores them

    def _greeting_where(self, box: str, kind: str):
        t = self.table.c
        return (t.dir == self.dir_of(box, kind), t.mailboxuser == box)

    async def greeting(self, box: str, kind: str) -> bytes | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(self.table.c.recording).where(*self._greeting_where(box, kind))
                                       .order_by(self.table.c.id.desc()).limit(1))).scalar()

    async def set_greeting(self, box: str, kind: str, wav: bytes) -> None:
        where = self._greeting_where(box, kind)
        async with self.engine.begin() as conn:
            row_id = (await conn.execute(select(self.table.c.id).where(*where).limit(1))).scalar()
            if row_id is not None:  # (not by rowcount: MySQL counts only rows whose value changed)
                await conn.execute(update(self.table).where(self.table.c.id == row_id).values(recording=wav))
            else:
                await conn.execute(self.table.insert().values(
                    msgnum=-1, dir=self.dir_of(box, kind), mailboxuser=box, mailboxcontext=self.context,
                    recording=wav, context="", macrocontext="", callerid="", origtime="", duration="", flag="",
                    read=0, msg_id=""))

    async def delete_greeting(self, box: str, kind: str) -> bool:
        async with self.engine.begin() as conn:
            return bool((await conn.execute(delete(self.table).where(*self._greeting_where(box, kind)))).rowcount)

    async def close(self) -> None:
        await self.engine.dispose()

    def describe(self) -> str:
        return f"{self.url.render_as_string(hide_password=True)} table {self.table.name}"
