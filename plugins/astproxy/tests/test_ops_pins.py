"""Outbound-route PINs (GET/POST /astproxy/pin, GET pinstatus) in NethVoice's tables (SQLite, MariaDB) or nethcti's."""

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.ops.live_testing import Switchboard
from nethcti_astproxy.testing import PASSWORDS, demo_conf, fake_ami_answers
from nethcti_auth.testing import log_in
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.testing import running_app

# NethVoice's tables, as its asterisk database has them
NETHVOICE_TABLES = [
    "CREATE TABLE pin (extension VARCHAR(20) NOT NULL PRIMARY KEY, pin VARCHAR(20), "
    "enabled TINYINT(1) NOT NULL DEFAULT 0)",
    "CREATE TABLE pin_protected_routes (route_id INT NOT NULL PRIMARY KEY, enabled TINYINT(1) NOT NULL DEFAULT 0)",
]


async def run_sql(url: str, *statements: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


async def get(sb: Switchboard, path: str, user: str, status: int = 200):
    headers = await log_in(sb.client, user, PASSWORDS[user])
    response = await sb.client.get(f"/webrest/astproxy/{path}", headers=headers)
    answer = await response.get_json()
    assert response.status_code == status, (path, user, response.status_code, answer)
    return answer


async def exercise(tmp_path, transcript, extra: str, enable_routes) -> None:
    recorded = transcript("basic_call")
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        (conf / "70-pins.toml").write_text(extra)
        async with running_app(conf) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            sb = Switchboard(app)
            assert await get(sb, "pin", "alice") == []  # phones, but no PIN yet (the original's answer)
            assert await get(sb, "pinstatus", "alice") == {"enabled": False}

            answer = await sb.post("pin", {"extension": "201", "pin": "1234", "enabled": "true"})
            assert answer == {"extension": "201", "pin": "1234", "enabled": True}
            await sb.post("pin", {"extension": "201", "pin": "4321", "enabled": False})
            await sb.post("pin", {"extension": "201", "pin": "4321", "enabled": False})  # the same again
            # alice's 91201 is a WebRTC device: not listed, as the original
            await sb.post("pin", {"extension": "91201", "pin": "99", "enabled": True})
            assert await get(sb, "pin", "alice") == {"201": {"extension": "201", "pin": "4321", "enabled": False}}
            await sb.post("pin", {"extension": "202", "pin": "0007", "enabled": True}, user="bob")
            assert await get(sb, "pin", "bob") == {"202": {"extension": "202", "pin": "0007", "enabled": True}}

            await enable_routes(app)
            assert await get(sb, "pinstatus", "carol") == {"enabled": True}

            for bad, field in [({"pin": "12a"}, "pin"), ({"pin": ""}, "pin"), ({"enabled": "maybe"}, "enabled"),
                               ({"extension": "20\n1"}, "extension"), ({"pin": None}, "pin")]:
                body = {"extension": "201", "pin": "1", "enabled": True, **bad}
                assert field in await sb.refused("pin", body, 400, "invalid-request")
            await sb.refused("pin", {"extension": "202", "pin": "1", "enabled": True}, 403, "not-your-extension")
            assert (await get(sb, "pin", "bob"))["202"]["pin"] == "0007"


async def test_pins_in_nethctis_database(tmp_path, transcript):
    async def enable_routes(app):
        async with app.extensions["database"].engine.begin() as conn:
            await conn.execute(text("INSERT INTO pin_protected_routes (route_id, enabled) VALUES (1, 0), (2, 1)"))

    await exercise(tmp_path, transcript, "", enable_routes)


@pytest.mark.parametrize("backend", ["sqlite", "mariadb"])
async def test_pins_in_nethvoices_database(tmp_path, transcript, request, backend):
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'asterisk.db'}"
    else:
        url = request.getfixturevalue("mariadb").create_database("asterisk")
    await run_sql(url, *NETHVOICE_TABLES)

    async def enable_routes(app):
        await run_sql(url, "INSERT INTO pin_protected_routes (route_id, enabled) VALUES (3, 1)")

    await exercise(tmp_path, transcript, f'\n[astproxy]\npin_url = "{url}"\n', enable_routes)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT extension, pin, enabled FROM pin ORDER BY extension"))).all()
    await engine.dispose()
    assert [tuple(r) for r in rows] == [("201", "4321", 0), ("202", "0007", 1), ("91201", "99", 1)]


async def test_a_pin_database_that_fails_is_a_503(tmp_path, transcript):
    """pin_url names a database without NethVoice's tables: nothing is created there, the answer is a 503."""
    recorded = transcript("basic_call")
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        (conf / "70-pins.toml").write_text(f'[astproxy]\npin_url = "sqlite+aiosqlite:///{tmp_path / "empty.db"}"\n')
        async with running_app(conf) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            sb = Switchboard(app)
            answer = await get(sb, "pinstatus", "alice", 503)
            assert answer["error_id"] == "pins-unavailable"
            assert "no such table" not in answer["message"]
            await sb.refused("pin", {"extension": "201", "pin": "1", "enabled": True}, 503, "pins-unavailable")
