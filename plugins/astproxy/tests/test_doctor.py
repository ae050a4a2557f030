"""``nethcti doctor`` for the astproxy plugin: ``pin_url``, when set, holds NethVoice's PIN tables."""

from nethcti_astproxy.pins import metadata as pin_metadata
from nethcti_astproxy.testing import demo_conf
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import free_port, write_conf


async def astproxy_findings(tmp_path, section: str = "") -> tuple[str, int]:
    conf_dir = demo_conf(tmp_path, free_port(), action_timeout=1)
    if section:
        write_conf(conf_dir, "70-pins.toml", f"[astproxy]\n{section}")
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "astproxy"])


async def create(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def test_the_pin_tables_are_checked(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'asterisk.db'}"
    other = MetaData()
    Table("incoming", other, Column("id", Integer, primary_key=True))
    await create(url, other)
    text, problems = await astproxy_findings(tmp_path, f'pin_url = "{url}"\n')
    assert problems == 2, text
    assert "PROBLEM  [astproxy] no table 'pin' in " in text
    assert "PROBLEM  [astproxy] no table 'pin_protected_routes' in " in text
    assert "fix: point the URL at the database that has it" in text

    await create(url, pin_metadata)
    text, problems = await astproxy_findings(tmp_path, f'pin_url = "{url}"\n')
    assert problems == 0, text
    assert "ok       [astproxy] pin_url: table 'pin' has the columns nethcti reads" in text


async def test_without_pin_url_there_is_nothing_to_check(tmp_path):
    text, problems = await astproxy_findings(tmp_path)
    assert problems == 0 and "[astproxy]" not in text
