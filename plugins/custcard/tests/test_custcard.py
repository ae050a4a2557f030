"""/custcard over HTTP on SQLite and a real MariaDB: cards per profile, bound numbers, read-only queries, the
row limit, sandboxed templates with autoescape, the preview for card authors."""

import base64

import pytest
from nethcti_auth.passwords import PasswordFile
from nethcti_auth.testing import log_in
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.config import REDACTED
from nethcti.errors import StartupError
from nethcti.testing import base_conf, running_app

from .conftest import count

USERS = """
[database]
enabled = true
[auth]
enabled = true
[users]
enabled = true
[users.profiles.cards]
name = "All cards"
permissions = ["customer_card.cc_identity", "customer_card.cc_last_calls", "customer_card.cc_broken"]
[users.profiles.identity]
name = "Identity only"
permissions = ["customer_card.cc_identity"]
[users.profiles.none]
name = "No cards"
permissions = ["phonebook"]
[users.accounts.alice]
profile = "cards"
mainextension = "201"
[users.accounts.bob]
profile = "identity"
mainextension = "202"
[users.accounts.carol]
profile = "none"
mainextension = "203"
"""


def custcard_toml(url: str, templates) -> str:
    return f"""
[custcard]
enabled = true
templates_dir = "{templates}"
row_limit = 3
query_timeout = 5
admins = ["alice"]
[custcard.connections.phonebook]
url = "{url}"
[custcard.cards.cc_identity]
description = "Identity"
connection = "phonebook"
query = "SELECT name, company FROM phonebook WHERE workphone = '$NUMBER' OR cellphone = :number;"
template = "identity.html"
[custcard.cards.cc_last_calls]
description = "Last calls"
connection = "phonebook"
query = "SELECT calldate, dst FROM cdr WHERE src = :number ORDER BY calldate DESC"
template_text = "{{% for c in results %}}<li>{{{{ c.dst }}}}</li>{{% endfor %}}"
[custcard.cards.cc_broken]
connection = "phonebook"
query = "SELECT name FROM phonebook"
template_text = "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}"
"""


def conf(tmp_path, url: str, templates, extra: str = ""):
    conf_dir = base_conf(tmp_path, USERS + custcard_toml(url, templates) + extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user in ("alice", "bob", "carol"):
        passwords.set(user, f"{user}-pw")
    return conf_dir


class Client:
    def __init__(self, app):
        self.client, self.logins = app.test_client(), {}

    async def call(self, method: str, path: str, user: str = "alice", status: int = 200, body=None):
        if user not in self.logins:
            self.logins[user] = await log_in(self.client, user, f"{user}-pw")
        extra = {"json": body} if body is not None else {}
        response = await self.client.open(f"/webrest/custcard/{path}", method=method, headers=self.logins[user],
                                          **extra)
        data = await response.get_json()
        assert response.status_code == status, (path, response.status_code, data)
        return data


def html(card: dict) -> str:
    return base64.b64decode(card["data"]).decode()


async def test_cards_render_per_profile_with_bound_numbers_and_autoescape(tmp_path, store, templates):
    async with running_app(conf(tmp_path, store, templates)) as app:
        api = Client(app)
        assert await api.call("GET", "list") == {"cc_identity": {"descr": "Identity"},
                                                 "cc_last_calls": {"descr": "Last calls"},
                                                 "cc_broken": {"descr": "cc_broken"}}
        assert await api.call("GET", "list", "bob") == {"cc_identity": {"descr": "Identity"}}
        assert (await api.call("GET", "list", "carol", 403))["details"] == {"permission": "customer_card"}

        cards = await api.call("GET", "getbynum/0721405516/html")
        assert set(cards) == {"cc_identity", "cc_last_calls"}  # cc_broken's template is refused: left out
        assert cards["cc_identity"]["number"] == "0721405516" and cards["cc_identity"]["descr"] == "Identity"
        assert html(cards["cc_identity"]) == "<h3>Identity</h3><p>Mario Rossi (Rossi Srl)</p>"
        assert html(cards["cc_last_calls"]).count("<li>201</li>") == 3  # the row limit
        assert html((await api.call("GET", "getbynum/3331234567/html"))["cc_identity"]).endswith(
            "<p>Mario Rossi (Rossi Srl)</p>")
        evil = html((await api.call("GET", "getbynum/0721000000/html", "bob"))["cc_identity"])
        assert evil == "<h3>Identity</h3><p>&lt;script&gt;alert(1)&lt;/script&gt; (Evil &amp; Co)</p>"

        rows = await api.call("GET", "getbynum/0721405516/json")
        assert rows["cc_identity"]["data"] == [{"name": "Mario Rossi", "company": "Rossi Srl"}]
        assert rows["cc_last_calls"]["data"][0]["dst"] == "201"
        assert rows["cc_last_calls"]["data"][0]["calldate"].startswith("2026-01-05")


async def test_a_connection_url_may_be_read_from_a_file(tmp_path, store, templates):
    """``url_file`` in a [custcard.connections.<name>] table, as conf.d/73-custcard.toml says."""
    (tmp_path / "phonebook-url").write_text(store + "\n")
    conf_dir = conf(tmp_path, "unused", templates)
    drop_in = conf_dir / "50-test.toml"
    drop_in.write_text(drop_in.read_text().replace('url = "unused"', f'url_file = "{tmp_path / "phonebook-url"}"'))
    async with running_app(conf_dir) as app:
        cards = await Client(app).call("GET", "getbynum/0721405516/json")
        assert cards["cc_identity"]["data"] == [{"name": "Mario Rossi", "company": "Rossi Srl"}]
        assert app.settings.redacted()["custcard"]["connections"] == {"phonebook": {"url": REDACTED}}  # nethcti config


async def test_a_number_is_bound_never_pasted(tmp_path, store, templates):
    async with running_app(conf(tmp_path, store, templates)) as app:
        api = Client(app)
        cards = await api.call("GET", "getbynum/0721405516 OR 1/json")
        assert cards["cc_identity"]["data"] == [] and cards["cc_last_calls"]["data"] == []
        for bad in ("x' OR '1'='1", "0721;DROP TABLE phonebook", "a\\b", "9" * 65):
            error = await api.call("GET", f"getbynum/{bad}/json", status=400)
            assert error["error_id"] == "invalid-request" and "number" in error["details"]
        error = await api.call("GET", "getbynum/0721405516/xml", status=400)
        assert "format" in error["details"]
    assert await count(store, "phonebook") == 2


async def test_preview_is_for_card_authors_and_read_only(tmp_path, store, templates):
    def b64(query: str) -> str:
        return base64.b64encode(query.encode()).decode()

    async with running_app(conf(tmp_path, store, templates)) as app:
        api = Client(app)
        body = {"dbconn_id": "phonebook", "query": b64("SELECT * FROM cdr WHERE src = :number"), "template":
                "table.html", "number": "0721405516"}
        preview = await api.call("POST", "preview", body=body)
        assert base64.b64decode(preview["html"]).decode() == "3 rows for 0721405516"
        assert (await api.call("POST", "preview", "bob", 403, body))["error_id"] == "custcard-preview-forbidden"
        for query in ("DELETE FROM phonebook", "SELECT 1; DELETE FROM phonebook", "UPDATE phonebook SET name = 'x'",
                      "SELECT * FROM phonebook WHERE name = '$NUMBER%'", "SELECT /*! 1; DELETE FROM cdr */ 1",
                      "SELECT name INTO OUTFILE '/tmp/x' FROM phonebook"):
            error = await api.call("POST", "preview", status=400, body={**body, "query": b64(query)})
            assert error["error_id"] == "custcard-query-refused", (query, error)
        error = await api.call("POST", "preview", status=404, body={**body, "dbconn_id": "other"})
        assert error["error_id"] == "no-such-custcard-connection"
        for template in ("nothere.html", "..", "secret.txt", ".hidden"):
            error = await api.call("POST", "preview", status=404, body={**body, "template": template})
            assert error["error_id"] == "no-such-custcard-template"
        error = await api.call("POST", "preview", status=400, body={**body, "template": "../secret.txt"})
        assert "template" in error["details"]
        error = await api.call("POST", "preview", status=400, body={**body, "query": "not base64!"})
        assert "query" in error["details"]
    assert await count(store, "phonebook") == 2 and await count(store, "cdr") == 5


async def test_templates_cannot_reach_files_or_python_internals(tmp_path, store, templates):
    async with running_app(conf(tmp_path, store, templates)) as app:
        api = Client(app)
        body = {"dbconn_id": "phonebook", "query": base64.b64encode(b"SELECT name FROM phonebook").decode()}
        for template in ("escape.html", "include.html"):
            error = await api.call("POST", "preview", status=400, body={**body, "template": template})
            assert error["error_id"] == "custcard-template-error"
            assert "the secret" not in str(error) and "uid=" not in str(error)


async def test_the_engine_itself_refuses_writes(tmp_path, store):
    from nethcti_custcard.errors import QueryFailed
    from nethcti_custcard.sql import read_only_engine, run_select

    engine = read_only_engine(store, 5)
    try:
        with pytest.raises(QueryFailed):  # past the text check, the read-only session stops it
            await run_select(engine, "DELETE FROM phonebook", "", row_limit=10, timeout=5)
        assert len(await run_select(engine, "SELECT * FROM phonebook", "", row_limit=10, timeout=5)) == 2
    finally:
        await engine.dispose()
    assert await count(store, "phonebook") == 2


async def test_a_select_that_writes_through_a_function_is_refused_on_mariadb(mariadb):
    from nethcti_custcard.errors import QueryFailed, QueryTimeout
    from nethcti_custcard.sql import read_only_engine, run_select

    url = mariadb.create_database("cards")
    database = url.rsplit("/", 1)[1].split("?")[0]
    mariadb.sql("CREATE TABLE t (x INT)", database)
    writer = create_async_engine(url)
    async with writer.begin() as conn:  # one statement for the server: no client-side delimiter games
        await conn.exec_driver_sql("CREATE FUNCTION sneaky() RETURNS INT MODIFIES SQL DATA "
                                   "BEGIN INSERT INTO t VALUES (1); RETURN 1; END")
    await writer.dispose()
    engine = read_only_engine(url, 0.5)
    try:
        with pytest.raises(QueryFailed):
            await run_select(engine, "SELECT sneaky()", "", row_limit=10, timeout=5)
        with pytest.raises((QueryTimeout, QueryFailed)):
            await run_select(engine, "SELECT SLEEP(5)", "", row_limit=10, timeout=1)
    finally:
        await engine.dispose()
    assert mariadb.sql("SELECT COUNT(*) FROM t", database).strip() == "0"


@pytest.mark.parametrize(("extra", "message"), [
    ('[custcard.cards.cc_bad]\nconnection = "phonebook"\nquery = "UPDATE phonebook SET name = 1"\n'
     'template = "identity.html"\n', r"\[custcard.cards.cc_bad\] The query must be one SELECT"),
    ('[custcard.cards.cc_bad]\nconnection = "nowhere"\nquery = "SELECT 1"\ntemplate = "identity.html"\n',
     r"connection 'nowhere'"),
    ('[custcard.cards.cc_bad]\nconnection = "phonebook"\nquery = "SELECT 1"\ntemplate = "missing.html"\n',
     r"\[custcard.cards.cc_bad\]"),
    ('[custcard.connections.other]\nurl = "nosuchdriver://x"\n', r"\[custcard.connections.other\] url"),
])
async def test_bad_cards_stop_start_up_with_their_name(tmp_path, templates, extra, message):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cards.db'}"
    with pytest.raises(StartupError, match=message):
        async with running_app(conf(tmp_path, url, templates, extra)):
            pass
