"""Fixtures of the customer card tests: a card database on SQLite and on a real MariaDB, templates on disk, the
app with users whose profiles allow some cards."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

CONTACTS = [("Mario Rossi", "Rossi Srl", "0721405516", "3331234567"),
            ("<script>alert(1)</script>", "Evil & Co", "0721000000", "")]
CALLS = [(datetime.datetime(2026, 1, day, 9, 30), "0721405516", "201") for day in range(1, 6)]


async def fill(url: str) -> None:
    """NethVoice-like tables: phonebook contacts and CDR rows."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE phonebook (name VARCHAR(100), company VARCHAR(100), "
                                "workphone VARCHAR(30), cellphone VARCHAR(30))"))
        await conn.execute(text("CREATE TABLE cdr (calldate DATETIME, src VARCHAR(30), dst VARCHAR(30))"))
        await conn.execute(text("INSERT INTO phonebook VALUES (:n, :c, :w, :m)"),
                           [dict(zip("ncwm", row, strict=True)) for row in CONTACTS])
        await conn.execute(text("INSERT INTO cdr VALUES (:d, :s, :t)"),
                           [dict(zip("dst", row, strict=True)) for row in CALLS])
    await engine.dispose()


async def count(url: str, table: str) -> int:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        value = (await conn.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar()
    await engine.dispose()
    return value


@pytest.fixture(params=["sqlite", "mariadb"])
async def store(request, tmp_path):
    """The URL of a filled card database: a SQLite file, or a fresh database on the private MariaDB."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cards.db'}"
    else:
        url = request.getfixturevalue("mariadb").create_database("phonebook")
    await fill(url)
    return url


@pytest.fixture
def templates(tmp_path):
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "identity.html").write_text(
        "<h3>{{ name }}</h3>{% for c in results %}<p>{{ c.name }} ({{ c.company }})</p>{% endfor %}")
    (directory / "escape.html").write_text("{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    (directory / "include.html").write_text("{% include '../secret.txt' %}")
    (directory / "table.html").write_text("{{ results | length }} rows for {{ number }}")
    (tmp_path / "secret.txt").write_text("the secret")
    return directory
