"""``nethcti doctor`` for the voicemail plugin: with ODBC storage, app_voicemail's table answers and has the
columns read and written."""

from nethcti_astproxy.testing import demo_conf
from nethcti_voicemail.odbc import voicemessages_table
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import free_port, write_conf


async def voicemail_findings(tmp_path, section: str) -> tuple[str, int]:
    conf_dir = demo_conf(tmp_path, free_port(), action_timeout=1)
    write_conf(conf_dir, "70-voicemail.toml", f"[static]\nenabled = true\n[voicemail]\nenabled = true\n{section}")
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "voicemail"])


async def create(url: str, *tables) -> None:
    engine = create_async_engine(url)
    metadata = MetaData()
    for table in tables:
        table.to_metadata(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def test_the_odbc_table_is_checked(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'asteriskcdrdb.db'}"
    await create(url, Table("cdr", MetaData(), Column("uniqueid", String(32))))
    section = f'storage = "odbc"\ndb_url = "{url}"\ndb_table = "vm"\n'
    text, problems = await voicemail_findings(tmp_path, section)
    assert problems == 1, text
    assert "PROBLEM  [voicemail] no table 'vm' in " in text
    assert "fix: point the URL at the database that has it, or create it (NethVoice's schema)" in text

    await create(url, Table("vm", MetaData(), Column("id", Integer, primary_key=True), Column("dir", String(80))))
    text, problems = await voicemail_findings(tmp_path, section)
    assert problems == 1, text
    assert "PROBLEM  [voicemail] table 'vm' lacks the columns msgnum, context" in text


async def test_a_complete_table_and_file_storage_are_ok(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'asteriskcdrdb.db'}"
    await create(url, voicemessages_table())
    text, problems = await voicemail_findings(tmp_path, f'storage = "odbc"\ndb_url = "{url}"\n')
    assert problems == 0, text
    assert "ok       [voicemail] db_url: table 'voicemessages' has the columns nethcti reads" in text
    text, problems = await voicemail_findings(tmp_path, "")  # the spool: no database to check
    assert problems == 0 and "[voicemail]" not in text
