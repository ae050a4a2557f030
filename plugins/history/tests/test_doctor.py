"""``nethcti doctor`` for the history plugin: the CDR database answers and its table has the columns read,
on SQLite and on a real MariaDB."""

from nethcti_astproxy.testing import demo_conf
from nethcti_history.testing import create_cdr
from sqlalchemy import Column, DateTime, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import free_port, write_conf


async def history_findings(tmp_path, url: str) -> tuple[str, int]:
    conf_dir = demo_conf(tmp_path, free_port(), "nethcti", "secret", action_timeout=1)
    write_conf(conf_dir, "70-history.toml", f'[static]\nenabled = true\n[history]\nenabled = true\ncdr_url = "{url}"\n')
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "history"])


async def test_the_cdr_table_is_there(tmp_path, cdr_url):
    await create_cdr(cdr_url, ())
    text, problems = await history_findings(tmp_path, cdr_url)
    assert problems == 0, text
    assert "ok       [history] cdr_url: table 'cdr' has the columns nethcti reads" in text


async def create_table(url: str, table: str, *columns: Column) -> None:
    engine = create_async_engine(url)
    metadata = MetaData()
    Table(table, metadata, *columns)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def test_a_missing_table(tmp_path, cdr_url):
    await create_table(cdr_url, "queue_log", Column("time", String(32)))  # a database, but not the CDR's
    text, problems = await history_findings(tmp_path, cdr_url)
    assert problems == 1
    assert "ok       [history] cdr_url " in text and " answers" in text
    assert "PROBLEM  [history] no table 'cdr' in " in text
    assert "fix: point the URL at the database that has it" in text
    assert "secret" not in text.replace("nethcti:secret", "")  # the URL is shown with its password hidden


async def test_a_table_lacking_columns(tmp_path, cdr_url):
    await create_table(cdr_url, "cdr", Column("calldate", DateTime), Column("src", String(80)))
    text, problems = await history_findings(tmp_path, cdr_url)
    assert problems == 1
    assert "PROBLEM  [history] table 'cdr' lacks the columns clid, dst, dcontext" in text


async def test_a_database_that_does_not_answer(tmp_path, engine, request):
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'cdr.db'}"
    else:
        url = request.getfixturevalue("mariadb").url("history_x").replace(":nethcti-test@", ":wrong-pw@")
    text, problems = await history_findings(tmp_path, url)
    assert problems == 1
    if engine == "sqlite":  # not created by the doctor
        assert f"PROBLEM  [history] the SQLite database {tmp_path / 'no'}" in text and not (tmp_path / "no").exists()
    else:
        assert "PROBLEM  [history] OperationalError: (1045, \"Access denied for user 'nethcti'" in text
        assert "fix: check the database server, and the user, password" in text
    assert "wrong-pw" not in text
