"""Fixtures of the phonebook tests: the app on SQLite or on a private MariaDB (``engine_url``), users logged in
over HTTP as the NethVoice clients do, and NethVoice's centralized ``phonebook`` table when a test wants one."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from loguru import logger
from nethcti_auth.passwords import PasswordFile

from nethcti.testing import ApiClient, base_conf, running_app

# alice and carol: the phonebook; bob: phonebook.ad_phonebook (anyone's contacts); dave: no phonebook at all
USERS = """
[users]
enabled = true

[users.profiles.agent]
name = "Agent"
permissions = ["phonebook"]

[users.profiles.admin]
name = "Phonebook admin"
permissions = ["phonebook.ad_phonebook"]

[users.profiles.nophonebook]
name = "No phonebook"
permissions = ["settings.dnd"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "agent"
mainextension = "201"

[users.accounts.bob]
name = "Bob Bianchi"
profile = "admin"
mainextension = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "agent"
mainextension = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "nophonebook"
mainextension = "204"

[auth]
enabled = true

[phonebook]
enabled = true
"""


@pytest.fixture(params=["sqlite", "mariadb"])
def engine_url(request, tmp_path) -> str:
    """The URL of an empty database: a SQLite file, or a fresh database on the private MariaDB."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nethcti.db'}"
    return request.getfixturevalue("mariadb").create_database("phonebook")


class Api(ApiClient):
    """HTTP calls to /webrest/phonebook as one of the test users; every call checks the status code."""

    def __init__(self, app):
        super().__init__(app, "/webrest/phonebook/")

    async def create(self, user: str = "alice", **contact) -> int:
        return (await self.post("create", contact, user, status=201))["id"]


@asynccontextmanager
async def serving(tmp_path: Path, url: str, extra: str = ""):
    conf_dir = base_conf(tmp_path, USERS + f'\n[database]\nenabled = true\nurl = "{url}"\n')
    if extra:
        (conf_dir / "70-extra.toml").write_text(extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user in ("alice", "bob", "carol", "dave"):
        passwords.set(user, f"{user}-pw")
    async with running_app(conf_dir) as app:
        yield Api(app)


@pytest.fixture
def api(tmp_path, engine_url):
    """``async with api() as api``: the app on ``engine_url``; ``extra``: a later conf.d drop-in."""

    def make(extra: str = ""):
        return serving(tmp_path, engine_url, extra)

    return make


@pytest.fixture
def logs():
    """The log lines (loguru messages) of the test, at INFO and above."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(message.record["message"]), level="INFO")
    yield lines
    logger.remove(sink)
