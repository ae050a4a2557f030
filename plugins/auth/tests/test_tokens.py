"""Token life: expiry, sliding renewal, logout, persistent tokens across restarts, disabled authentication."""

import asyncio
import json
import sqlite3

from nethcti_auth.testing import client_token, log_in, nonce_of

from nethcti.server import reload
from nethcti.testing import running_app

CHECK = "/authentication/phone_island_token_check"


async def status_of(client, headers) -> int:
    return (await client.get(CHECK, headers=headers)).status_code


async def test_a_token_expires_after_the_configured_timeout(make_conf):
    async with running_app(make_conf("expiration_timeout = 1\n")) as app:
        client = app.test_client()
        headers = await log_in(client, "alice", "alice-pw")
        assert await status_of(client, headers) == 200
        await asyncio.sleep(1.3)
        response = await client.get(CHECK, headers=headers)
        assert response.status_code == 401
        assert (await response.get_json())["error_id"] == "invalid-token"


async def test_every_valid_use_extends_the_token(make_conf):
    async with running_app(make_conf("expiration_timeout = 1\n")) as app:
        client = app.test_client()
        headers = await log_in(client, "alice", "alice-pw")
        for _ in range(4):  # 2.4 s in all, longer than the timeout, but never 1 s without use
            await asyncio.sleep(0.6)
            assert await status_of(client, headers) == 200
        await asyncio.sleep(1.3)
        assert await status_of(client, headers) == 401


async def test_a_token_never_used_dies_after_nonce_timeout(make_conf):
    async with running_app(make_conf("nonce_timeout = 1\n")) as app:
        client = app.test_client()
        used = await log_in(client, "alice", "alice-pw")
        unused = await log_in(client, "alice", "alice-pw")
        assert await status_of(client, used) == 200
        await asyncio.sleep(0.7)
        assert await status_of(client, used) == 200  # in use: the 3600 s expiry applies now
        await asyncio.sleep(0.6)
        assert await status_of(client, used) == 200
        assert await status_of(client, unused) == 401


async def test_logout_revokes_the_token_and_tells_subscribers(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        seen = []

        async def subscriber(login, digest):
            seen.append(login)

        app.extensions["auth"].subscribe(subscriber)
        headers = await log_in(client, "alice", "alice-pw")
        other = await log_in(client, "alice", "alice-pw")
        response = await client.post("/webrest/authentication/logout", headers=headers)
        assert response.status_code == 200
        assert await status_of(client, headers) == 401
        assert await status_of(client, other) == 200  # another session of the same user is untouched
        assert [login for login, _ in probe.revoked] == ["alice"] and seen == ["alice"]
        token = headers["Authorization"].split(":")[1]
        assert await app.extensions["auth"].verify_token("alice", token) is None


async def test_persistent_tokens_survive_a_restart(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        nonce = await nonce_of(client, "alice", "alice-pw", headers={"auth-exp": "no-exp"})
        no_exp = {"Authorization": f"alice:{client_token('alice', 'alice-pw', nonce)}"}
        assert await status_of(client, no_exp) == 200
        session = await log_in(client, "bob", "bob-pw")
        response = await client.post("/authentication/persistent_token_login", headers=session)
        body = await response.get_json()
        assert response.status_code == 200 and body["username"] == "bob"
        qr_token = {"Authorization": f"bob:{body['token']}"}
        response = await client.post("/authentication/phone_island_token_login", json={"subtype": "web"},
                                     headers=session)
        island = {"Authorization": f"bob:{(await response.get_json())['token']}"}

    async with running_app(conf_dir) as app:  # a new process on the same state directory
        client = app.test_client()
        for headers in (no_exp, qr_token, island):
            assert await status_of(client, headers) == 200
        assert await status_of(client, session) == 401  # session tokens live in memory only

    rows = sqlite3.connect(conf_dir.parent / "state" / "nethcti.db").execute(
        "SELECT login, username, audience, token_hash FROM auth_persistent_tokens").fetchall()
    stored = json.dumps(rows)
    for headers in (no_exp, qr_token, island):
        assert headers["Authorization"].split(":")[1] not in stored  # only hashes are stored
    assert sorted((login, audience) for login, _, audience, _ in rows) == [
        ("alice", "no-exp"), ("bob", "no-exp"), ("bob", "phone-island:web")]


async def test_phone_island_token_check_and_remove(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        session = await log_in(client, "alice", "alice-pw")
        response = await client.post("/authentication/phone_island_token_login", headers=session)
        island = {"Authorization": f"alice:{(await response.get_json())['token']}"}
        await client.post("/authentication/phone_island_token_login", json={"subtype": "web"}, headers=session)

        assert await (await client.get(CHECK, headers=session)).get_json() == {"exists": True}
        assert await (await client.get(f"{CHECK}/web", headers=session)).get_json() == {"exists": True}
        assert await (await client.get(f"{CHECK}/user", headers=session)).get_json() == {"exists": False}

        response = await client.post("/authentication/persistent_token_remove", json={"type": "phone-island"},
                                     headers=session)
        assert response.status_code == 200 and await response.get_json() == {}
        assert await status_of(client, island) == 401
        assert await (await client.get(CHECK, headers=session)).get_json() == {"exists": False}
        assert await (await client.get(f"{CHECK}/web", headers=session)).get_json() == {"exists": True}
        assert len(probe.revoked) == 1

        response = await client.post("/authentication/persistent_token_remove", json={"type": "cookie"},
                                     headers=session)
        assert response.status_code == 400 and (await response.get_json())["error_id"] == "invalid-request"
        response = await client.get(f"{CHECK}/bad%20subtype", headers=session)
        assert response.status_code == 400


async def test_logout_with_a_persistent_token_revokes_it(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        persistent = await log_in(client, "alice", "alice-pw", headers={"auth-exp": "no-exp"})
        response = await client.post("/authentication/logout", headers={**persistent, "auth-exp": "no-exp"})
        assert response.status_code == 200
        assert await status_of(client, persistent) == 401


async def test_disabled_authentication_accepts_any_token(make_conf, probe):
    async with running_app(make_conf("authentication = false\n"), extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        nonce = await nonce_of(client, "alice", "not-her-password")  # the password is not checked
        assert nonce
        for authorization in ("alice:whatever", "alice:", "201:x"):
            response = await client.get("/probe/whoami", headers={"Authorization": authorization})
            assert response.status_code == 200 and (await response.get_json())["username"] == "alice"
        response = await client.get("/probe/whoami", headers={"Authorization": "nobody:x"})
        assert response.status_code == 401
        response = await client.post("/authentication/login", json={"username": "carol", "password": "x"})
        assert response.headers["code"] == "1"  # the user must still be configured
        response = await client.post("/authentication/login", json={"username": "alice", "password": ""})
        assert response.status_code == 401 and "WWW-Authenticate" not in response.headers


async def test_reloading_users_keeps_sessions(conf_dir):
    users_file = conf_dir.parent / "users.json"
    async with running_app(conf_dir) as app:
        client = app.test_client()
        alice = await log_in(client, "alice", "alice-pw")
        bob = await log_in(client, "202", "bob-pw")
        document = json.loads(users_file.read_text())
        document["alice"]["name"] = "Alice Renamed"
        del document["bob"]
        users_file.write_text(json.dumps(document))
        await reload(app)
        assert await status_of(client, alice) == 200
        assert app.extensions["users"].get("alice").name == "Alice Renamed"
        assert await status_of(client, bob) == 401  # bob is gone
