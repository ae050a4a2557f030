"""``nethcti doctor`` for the offhour plugin: NethVoice's incoming, offhour and offhour_files tables are where
asterisk_db_url and nethcti_db_url point, unless create_tables makes them at start-up."""

from nethcti_astproxy.testing import demo_conf
from nethcti_offhour.testing import offhour_section, seed_routes
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import free_port, write_conf


async def offhour_findings(tmp_path, asterisk_url: str, nethcti_url: str | None = None,
                           extra: str = "") -> tuple[str, int]:
    conf_dir = demo_conf(tmp_path, free_port(), action_timeout=1)
    write_conf(conf_dir, "74-offhour.toml", "[static]\nenabled = true\n"
               + offhour_section(asterisk_url, tmp_path, tmp_path, nethcti_url) + extra)
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "offhour"])


async def empty_database(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE other (id INTEGER)"))
    await engine.dispose()


async def test_missing_tables_are_problems_unless_created_at_start_up(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'asterisk.db'}"
    await empty_database(url)
    text_, problems = await offhour_findings(tmp_path, url)
    assert problems == 3, text_
    for table in ("incoming", "offhour", "offhour_files"):
        assert f"PROBLEM  [offhour] no table {table!r} in " in text_
    assert "fix: point the URL at the database that has it" in text_

    text_, problems = await offhour_findings(tmp_path, url, extra="create_tables = true\n")
    assert problems == 0, text_
    assert "ok       [offhour] asterisk_db_url: table 'offhour_files' will be created at start-up" in text_


async def test_two_mariadb_databases_as_on_nethvoice(tmp_path, mariadb):
    asterisk, nethcti3 = mariadb.create_database("asterisk"), mariadb.create_database("nethcti3")
    await seed_routes(asterisk, nethcti3)
    text_, problems = await offhour_findings(tmp_path, asterisk, nethcti3)
    assert problems == 0, text_
    assert "ok       [offhour] asterisk_db_url: table 'offhour' has the columns nethcti reads" in text_
    assert "ok       [offhour] nethcti_db_url: table 'offhour_files' has the columns nethcti reads" in text_

    text_, problems = await offhour_findings(tmp_path, asterisk, mariadb.create_database("empty"))
    assert problems == 1, text_
    assert "PROBLEM  [offhour] no table 'offhour_files' in " in text_ and "nethcti-test" not in text_
