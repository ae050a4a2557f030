"""POST /dbconn/test against a real MariaDB: an admin learns whether a database answers; nobody else may make the
server connect anywhere; bad parameters name the field; the password never comes back."""

import asyncio

import pytest
from sqlalchemy.engine import make_url

from nethcti.testing import ApiClient, free_port, running_app, users_conf

DBCONN = '[dbconn]\nenabled = true\nadmins = ["alice"]\ntimeout = 1.0\n'


@pytest.fixture
async def api(tmp_path):
    async with running_app(users_conf(tmp_path, DBCONN)) as app:
        yield ApiClient(app, "/webrest/dbconn/")


@pytest.fixture
def database(mariadb):
    url = make_url(mariadb.create_database("cards"))
    return {"host": url.host, "port": str(url.port), "type": "mysql", "user": url.username, "pass": url.password,
            "name": url.database}


async def test_an_admin_learns_the_database_answers(api, database):
    assert await api.post("test", database) == {}
    assert await api.post("test", {**database, "port": int(database["port"])}) == {}


async def test_wrong_credentials_or_a_closed_port_are_503_without_the_password(api, database):
    for changed in ({"pass": "not-the-password"}, {"name": "no_such_db"}, {"port": str(free_port())}):
        reply = await api.post("test", {**database, **changed}, status=503)
        assert reply["error_id"] == "dbconn-unreachable"
        assert database["pass"] not in str(reply) and "not-the-password" not in str(reply)


async def test_only_admins_may_test(api, database):
    reply = await api.post("test", database, "bob", 403)
    assert reply["error_id"] == "dbconn-forbidden"
    assert (await api.client.post("/webrest/dbconn/test", json=database)).status_code == 401


async def test_bad_parameters_name_the_field(api, database):
    for field, value in (("port", "0"), ("port", "http"), ("port", "\u00b3"), ("host", "db;rm -rf"), ("name", "x/../y"),
                         ("type", "oracle"), ("user", "")):
        reply = await api.post("test", {**database, field: value}, status=400)
        assert list(reply["details"]) == [field], (field, reply)
    missing = {key: value for key, value in database.items() if key != "pass"}
    assert list((await api.post("test", missing, status=400))["details"]) == ["pass"]


async def test_a_type_without_a_driver_is_400(api, database):
    reply = await api.post("test", {**database, "type": "mssql:7.4"}, status=400)
    assert reply["error_id"] == "dbconn-type-unsupported"


async def test_a_server_that_never_answers_is_503_after_the_timeout(api, database):
    async def silent(reader, writer):
        await reader.read()  # accepts, says nothing (a MySQL server greets first)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reply = await api.post("test", {**database, "port": str(port)}, status=503)
        assert reply["details"] == {"reason": "timeout"}
    finally:
        server.close()
