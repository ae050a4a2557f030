"""``nethcti doctor`` for the custcard plugin: each connection answers and each card's query runs on it, on
SQLite and on a real MariaDB."""

from nethcti.doctor import report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import users_conf, write_conf


async def custcard_findings(tmp_path, section: str) -> tuple[str, int]:
    conf_dir = users_conf(tmp_path)
    write_conf(conf_dir, "70-custcard.toml", f"[custcard]\nenabled = true\ntemplates_dir = \"{tmp_path}\"\n{section}")
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)  # they hold passwords
    settings, pm = bootstrap(conf_dir)
    return report([(who, finding) for who, finding in await run_checks(settings, pm) if who == "custcard"])


async def test_each_connection_and_card_query_is_checked(tmp_path, store):
    section = f"""
[custcard.connections.pbx]
url = "{store}"

[custcard.cards.identity]
connection = "pbx"
query = "SELECT name, company FROM phonebook WHERE workphone = '$NUMBER'"
template_text = "{{ results }}"

[custcard.cards.orders]
connection = "pbx"
query = "SELECT total FROM orders WHERE phone = :number"
template_text = "{{ results }}"
"""
    text, problems = await custcard_findings(tmp_path, section)
    assert problems == 1, text
    assert "ok       [custcard] [custcard.connections.pbx] url " in text and " answers" in text
    assert "ok       [custcard] [custcard.cards.identity] query runs on 'pbx'" in text
    assert "PROBLEM  [custcard] card 'orders': " in text and "orders" in text.split("card 'orders': ")[1]
    assert "fix: fix its query: the tables and columns it names must exist in that database" in text
    assert "nethcti-test" not in text


async def test_a_connection_that_does_not_answer(tmp_path):
    section = f"""
[custcard.connections.gone]
url = "sqlite+aiosqlite:///{tmp_path / 'no' / 'such.db'}"

[custcard.cards.identity]
connection = "gone"
query = "SELECT 1"
template_text = "{{ results }}"
"""
    text, problems = await custcard_findings(tmp_path, section)
    assert problems == 1, text  # its cards are not run on it
    assert f"PROBLEM  [custcard] the SQLite database {tmp_path / 'no' / 'such.db'} does not exist" in text
