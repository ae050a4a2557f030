"""``nethcti doctor`` for the phonebook plugin: NethVoice's centralized phonebook answers and has the columns
searched, on SQLite and on a real MariaDB."""

from nethcti_astproxy.testing import demo_conf
from nethcti_phonebook.testing import create_centralized
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import free_port, write_conf


async def phonebook_findings(tmp_path, section: str) -> tuple[str, int]:
    conf_dir = demo_conf(tmp_path, free_port(), action_timeout=1)
    write_conf(conf_dir, "70-phonebook.toml", f"[phonebook]\nenabled = true\n{section}")
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "phonebook"])


async def test_the_centralized_phonebook_is_checked(tmp_path, engine_url):
    engine = create_async_engine(engine_url)
    async with engine.begin() as conn:  # a database, but without NethVoice's phonebook table
        await conn.execute(text("CREATE TABLE other (id INTEGER)"))
    await engine.dispose()
    section = f'centralized_url = "{engine_url}"\n'
    text_, problems = await phonebook_findings(tmp_path, section)
    assert problems == 1, text_
    assert "ok       [phonebook] centralized_url " in text_ and " answers" in text_
    assert "PROBLEM  [phonebook] no table 'phonebook' in " in text_
    assert "fix: point the URL at the database that has it" in text_
    assert "nethcti-test" not in text_  # MariaDB's password is hidden

    await create_centralized(engine_url, [])
    text_, problems = await phonebook_findings(tmp_path, section)
    assert problems == 0, text_
    assert "ok       [phonebook] centralized_url: table 'phonebook' has the columns nethcti reads" in text_


async def test_without_a_centralized_phonebook_there_is_nothing_to_check(tmp_path):
    text_, problems = await phonebook_findings(tmp_path, "")
    assert problems == 0 and "[phonebook]" not in text_
