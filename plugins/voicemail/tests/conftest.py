"""Fixtures of the voicemail tests: the app on a fake AMI over each storage (spool files, the ODBC table on SQLite
and on MariaDB), with the socket events it emits recorded and a stand-in for the static plugin."""

from __future__ import annotations

import itertools
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI
from nethcti_voicemail.odbc import voicemessages_table
from nethcti_voicemail.spool import MESSAGE_FILE
from nethcti_voicemail.testing import Api, tone, voicemail_conf, write_spool_message
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.testing import running_app

SPOOL = "/var/spool/asterisk/voicemail"  # what Asterisk writes in voicemessages.dir on NethVoice


class SpoolBackend:
    """Messages as files of ``<tmp>/spool/default/<box>/<Folder>/``."""

    name = "file"

    def __init__(self, tmp_path: Path):
        self.spool_dir = tmp_path / "spool"
        self.root = self.spool_dir / "default"
        self.conf = f'storage = "file"\nspool_dir = "{self.spool_dir}"\n'

    def dir_of(self, box: str, folder: str) -> str:
        return str(self.root / box / folder)

    async def add(self, box: str, folder: str, msgnum: int, origtime: int, audio: bytes | None = None,
                  callerid: str = '"Carol Verdi" <203>', duration: int = 3) -> str:
        return write_spool_message(self.root, box, folder, msgnum, origtime, audio=audio, callerid=callerid,
                                   duration=duration)

    async def layout(self, box: str) -> dict[str, list[str]]:
        """{folder: [origtime of msg0000, msg0001, …]}: which message has which number."""
        out = {}
        for folder in sorted((self.root / box).glob("*")):
            if folder.is_dir():
                numbered = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := MESSAGE_FILE.match(p.name)))
                assert [n for n, _ in numbered] == list(range(len(numbered))), f"a gap in {folder}"
                for _, path in numbered:
                    assert path.with_suffix(".wav").exists(), f"{path} lost its audio"
                if numbered:
                    out[folder.name] = [_origtime(p) for _, p in numbered]
        return out

    async def greeting(self, box: str, kind: str) -> bytes | None:
        path = self.root / box / f"{kind}.wav"
        return path.read_bytes() if path.exists() else None

    async def close(self) -> None:
        pass


def _origtime(path: Path) -> str:
    return next(line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith("origtime="))


class TableBackend:
    """Rows of NethVoice's ``voicemessages`` table, written in the format of Asterisk's ODBC storage."""

    def __init__(self, name: str, url: str):
        self.name, self.url = name, url
        self.metadata = MetaData()
        self.table = voicemessages_table("voicemessages", self.metadata)
        self.engine = create_async_engine(url)
        self.conf = f'storage = "odbc"\ndb_url = "{url}"\nspool_dir = "{SPOOL}"\n'
        self.ids = itertools.count(1)

    async def create(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)

    def dir_of(self, box: str, folder: str) -> str:
        return f"{SPOOL}/default/{box}/{folder}"

    async def add(self, box: str, folder: str, msgnum: int, origtime: int, audio: bytes | None = None,
                  callerid: str = '"Carol Verdi" <203>', duration: int = 3) -> str:
        async with self.engine.begin() as conn:
            result = await conn.execute(self.table.insert().values(
                msgnum=msgnum, dir=self.dir_of(box, folder), context="from-internal", macrocontext="",
                callerid=callerid, origtime=str(origtime), duration=str(duration), mailboxuser=box,
                mailboxcontext="default", recording=audio if audio is not None else tone(0.2), flag="", read=0,
                msg_id=f"{origtime}-{msgnum:08x}"))
        return str(result.inserted_primary_key[0])

    async def layout(self, box: str) -> dict[str, list[str]]:
        t = self.table.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.dir, t.msgnum, t.origtime).where(t.mailboxuser == box, t.msgnum >= 0)
                                       .order_by(t.dir, t.msgnum))).all()
        out: dict[str, list[str]] = {}
        for row in rows:
            folder = row.dir.rpartition("/")[2]
            assert row.msgnum == len(out.get(folder, [])), f"a gap in {row.dir}"
            out.setdefault(folder, []).append(row.origtime)
        return out

    async def greeting(self, box: str, kind: str) -> bytes | None:
        t = self.table.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.recording, t.msgnum, t.mailboxcontext).where(
                t.dir == self.dir_of(box, kind), t.mailboxuser == box))).all()
        assert len(rows) <= 1 and all(row.msgnum == -1 and row.mailboxcontext == "default" for row in rows), rows
        return rows[0].recording if rows else None

    async def close(self) -> None:
        await self.engine.dispose()


@pytest.fixture(params=["file", "sqlite", "mariadb"])
async def backend(request, tmp_path):
    """Each storage in turn: the spool, and the ODBC table on SQLite and on the private MariaDB."""
    if request.param == "file":
        store = SpoolBackend(tmp_path)
    else:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'asteriskcdrdb.db'}"
        else:
            url = request.getfixturevalue("mariadb").create_database("asteriskcdrdb")
        store = TableBackend(request.param, url)
        await store.create()
    try:
        yield store
    finally:
        await store.close()


class Emitted:
    """The socket events the plugin emits, in order: (event, data, to)."""

    def __init__(self):
        self.events: list[tuple] = []

    async def __call__(self, event, data=None, to=None, **kwargs):
        self.events.append((event, data, to))

    def take(self) -> list[tuple]:
        events, self.events = self.events, []
        return events


def voicemail_users_list(fields):
    entries = [{"Event": "VoicemailUserEntry", "VMContext": context, "VoiceMailbox": box,
                "NewMessageCount": new, "OldMessageCount": "0"}
               for context, box, new in (("default", "201", "2"), ("default", "202", "0"), ("other", "900", "5"))]
    return [{"Response": "Success", "EventList": "start", "Message": "Voicemail user list will follow"}, *entries,
            {"Event": "VoicemailUsersListComplete", "EventList": "Complete", "ListItems": "3"}]


@asynccontextmanager
async def serving(tmp_path, store, voicemail: str = ""):
    async with FakeAMI() as fake:
        fake.answer("VoicemailRefresh", lambda fields: [{"Response": "Success", "Message": "Refresh sent"}])
        fake.answer("VoicemailUsersList", voicemail_users_list)
        conf = voicemail_conf(tmp_path, fake.port, voicemail=store.conf + voicemail)
        async with running_app(conf) as app:
            assert await app.extensions["ami"].wait_connected(10)
            api = Api(app, fake)
            api.store, api.emitted = store, Emitted()
            app.extensions["voicemail"].emit = api.emitted
            yield api


@pytest.fixture
def api(tmp_path, backend):
    """``async with api() as api``: the app over ``backend``; ``api.store``, ``api.emitted``, ``api.fake``."""

    def make(**kwargs):
        return serving(tmp_path, backend, **kwargs)

    return make
