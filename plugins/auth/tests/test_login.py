"""POST /authentication/login as the NethVoice clients drive it: nonce in a 401, HMAC token, ``user:token``."""

import hashlib
import re

from nethcti_auth.testing import client_token, log_in, nonce_of
from nethcti_auth.tokens import token_digest

from nethcti.testing import running_app

CHECK = "/webrest/authentication/phone_island_token_check"


async def test_nonce_login_and_token_use_end_to_end(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        response = await client.post("/webrest/authentication/login",
                                     json={"username": "alice", "password": "alice-pw"},
                                     headers={"Origin": "https://cti.example.com"})
        assert response.status_code == 401
        assert await response.get_data() == b""
        scheme, nonce = response.headers["WWW-Authenticate"].split(" ")
        assert scheme == "Digest" and re.fullmatch(r"[0-9a-f]{40}", nonce)
        assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]

        token = client_token("alice", "alice-pw", nonce)
        response = await client.get(CHECK, headers={"Authorization": f"alice:{token}"})
        assert response.status_code == 200
        assert await response.get_json() == {"exists": False}
        # the same token works without the base path, and the service resolves it for the socket.io login
        assert (await client.get("/authentication/phone_island_token_check",
                                 headers={"Authorization": f"alice:{token}"})).status_code == 200
        assert (await app.extensions["auth"].verify_token("alice", token)).username == "alice"
        assert await app.extensions["auth"].verify_token("alice", "0" * 40) is None


async def test_each_login_gets_its_own_nonce_and_token(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        first = await log_in(client, "alice", "alice-pw")
        second = await log_in(client, "alice", "alice-pw")
        assert first != second
        for headers in (first, second):
            assert (await client.get(CHECK, headers=headers)).status_code == 200


async def test_wrong_password_is_401_without_nonce(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        for body in ({"username": "alice", "password": "nope"}, {"username": "alice"}, {"password": "x"}, {}):
            response = await client.post("/authentication/login", json=body)
            assert response.status_code == 401
            assert "WWW-Authenticate" not in response.headers
            assert (await response.get_json())["error_id"] == "invalid-credentials"


async def test_user_not_configured_answers_with_message_and_code_headers(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        for login, name in [("carol", "carol"), ("nobody", "nobody"), ("nobody@example.com", "nobody"), ("999", "999")]:
            response = await client.post("/authentication/login", json={"username": login, "password": "whatever"})
            assert response.status_code == 401
            assert response.headers["message"] == f"user {name} is not configured"
            assert response.headers["code"] == "1"
            assert "WWW-Authenticate" not in response.headers
            assert (await response.get_json())["error_id"] == "user-not-configured"


async def test_login_by_extension_grants_the_extension(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        for extension in ("201", "92201"):
            nonce = await nonce_of(client, extension, "alice-pw")
            token = client_token(extension, "alice-pw", nonce)  # the client hashes what it typed
            response = await client.get(CHECK, headers={"Authorization": f"{extension}:{token}"})
            assert response.status_code == 200
            # the grant key is the login string as typed
            response = await client.get(CHECK, headers={"Authorization": f"alice:{token}"})
            assert response.status_code == 401
        response = await client.post("/authentication/login", json={"username": 201, "password": "alice-pw"})
        assert "WWW-Authenticate" in response.headers  # a JSON number is fine too


async def test_login_as_user_at_domain(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        headers = await log_in(client, "alice@nethserver.example.com", "alice-pw")
        response = await client.get("/probe/whoami", headers=headers)
        assert await response.get_json() == {"username": "alice", "login": "alice@nethserver.example.com"}


async def test_handlers_see_the_user_on_g(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        response = await client.get("/probe/whoami", headers=await log_in(client, "201", "alice-pw"))
        assert await response.get_json() == {"username": "alice", "login": "201"}


async def test_tokens_are_not_kept_in_clear(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        token = (await log_in(client, "alice", "alice-pw"))["Authorization"].split(":")[1]
        grants = app.extensions["auth"].grants.grants._grants["alice"]
        assert list(grants) == [token_digest(token)] == [hashlib.sha256(token.encode()).hexdigest()]
