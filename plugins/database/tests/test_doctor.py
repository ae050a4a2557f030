"""``nethcti doctor`` for the database plugin, on SQLite and a real MariaDB: the database answers, the enabled
plugins' tables have their columns, and what start-up creates is not a problem."""

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import running_app, users_conf, write_conf


@pytest.fixture(params=["sqlite", "mariadb"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'nethcti.db'}"
    return request.getfixturevalue("mariadb").create_database("doctor")


def conf(tmp_path, url):
    conf_dir = users_conf(tmp_path)  # database + auth (its table auth_persistent_tokens)
    write_conf(conf_dir, "90-db.toml", f'[database]\nurl = "{url}"\n').chmod(0o640)  # it holds a password
    return conf_dir


async def database_report(conf_dir) -> tuple[str, int]:
    settings, pm = bootstrap(conf_dir)
    return report([(who, found) for who, found in await run_checks(settings, pm) if who == "database"])


async def test_before_the_first_start_the_tables_are_to_be_created(tmp_path, url):
    (tmp_path / "db").mkdir()
    text, problems = await database_report(conf(tmp_path, url))
    assert problems == 0, text
    assert "will be created at start-up" in text
    if url.startswith("sqlite"):
        assert not (tmp_path / "db" / "nethcti.db").exists()  # the doctor creates nothing


async def test_after_start_up_the_tables_have_their_columns(tmp_path, url):
    (tmp_path / "db").mkdir()
    conf_dir = conf(tmp_path, url)
    async with running_app(conf_dir):
        pass
    text, problems = await database_report(conf_dir)
    assert problems == 0, text
    assert "ok       [database] url: table 'auth_persistent_tokens' has the columns nethcti reads" in text


async def test_a_table_of_an_older_schema_lacks_columns(tmp_path, url):
    (tmp_path / "db").mkdir()
    engine = create_async_engine(url)
    metadata = MetaData()
    Table("auth_persistent_tokens", metadata, Column("id", Integer, primary_key=True))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    text, problems = await database_report(conf(tmp_path, url))
    assert problems == 1
    assert "PROBLEM  [database] table 'auth_persistent_tokens' lacks the columns " in text
    assert "fix: upgrade the table" in text
