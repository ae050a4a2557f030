"""Fixtures of the offhour tests: NethVoice's tables on SQLite and on a real MariaDB, the app on a fake AMI."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import FakeAMI, ami_conf
from nethcti_auth.passwords import PasswordFile
from nethcti_offhour.store import OffhourStore
from nethcti_offhour.testing import PASSWORDS, USERS_TOML, offhour_section, seed_routes

from nethcti.testing import ApiClient, running_app, write_conf


class Backend:
    def __init__(self, name: str, asterisk_url: str, nethcti_url: str | None):
        self.name, self.asterisk_url, self.nethcti_url = name, asterisk_url, nethcti_url
        self.store = OffhourStore(asterisk_url, nethcti_url)


@pytest.fixture(params=["sqlite", "mariadb"])
async def backend(request, tmp_path):
    """The tables in one SQLite file, or in two MariaDB databases (asterisk and nethcti3) as on NethVoice."""
    if request.param == "sqlite":
        urls = (f"sqlite+aiosqlite:///{tmp_path / 'nethvoice.db'}", None)
    else:
        mariadb = request.getfixturevalue("mariadb")
        urls = (mariadb.create_database("asterisk"), mariadb.create_database("nethcti3"))
    await seed_routes(*urls)
    backend = Backend(request.param, *urls)
    try:
        yield backend
    finally:
        await backend.store.close()


def answer_success(fields):
    return [{"Response": "Success", "Message": "ok"}]


@asynccontextmanager
async def serving(tmp_path, backend):
    sounds, records = tmp_path / "sounds", tmp_path / "records"
    sounds.mkdir()
    records.mkdir()
    async with FakeAMI() as fake:
        for action in ("DBPut", "DBDelTree", "Originate"):
            fake.answer(action, answer_success)
        conf = ami_conf(tmp_path, fake.port, reconnect_min=0.05, reconnect_max=0.3)
        write_conf(conf, "60-app.toml", USERS_TOML + "\n[database]\nenabled = true\n\n[auth]\nenabled = true\n\n"
                   "[static]\nenabled = true\n\n"
                   + offhour_section(backend.asterisk_url, sounds, records, backend.nethcti_url))
        passwords = PasswordFile(tmp_path / "state" / "passwords")
        for user, password in PASSWORDS.items():
            passwords.set(user, password)
        async with running_app(conf) as app:
            assert await app.extensions["ami"].wait_connected(10)
            api = ApiClient(app, "/webrest/offhour/", PASSWORDS)
            api.fake, api.store, api.sounds, api.records = fake, backend.store, sounds / "nethcti", records
            yield api


@pytest.fixture
def api(tmp_path, backend):
    """``async with api() as api``: the app over ``backend``; ``api.fake``, ``api.store``, ``api.sounds``."""
    return lambda: serving(tmp_path, backend)
