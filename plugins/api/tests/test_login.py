"""POST /api/login and /api/logout, and every route under /api with a Bearer JWT, as nethvoice-cti ≥ 0.12 does."""

import time
from datetime import datetime

import jwt
import pytest
from nethcti_api.testing import api_login, bearer
from nethcti_auth.testing import log_in

from nethcti.testing import running_app


async def test_login_then_every_route_under_api_with_the_jwt(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        response = await client.post("/api/login", json={"username": "alice", "password": "alice-pw"})
        assert response.status_code == 200
        body = await response.get_json()
        assert body["code"] == 200 and set(body) == {"code", "expire", "token"}
        claims = jwt.decode(body["token"], options={"verify_signature": False})  # as the client's decodeJWT
        assert claims["id"] == "alice" and claims["2fa"] is False and claims["otp_verified"] is False
        assert claims["profile_id"] == "1" and claims["exp"] - claims["iat"] == 14 * 86400
        assert datetime.fromisoformat(body["expire"]).timestamp() == claims["exp"]

        headers = bearer(body["token"])
        response = await client.get("/api/user/me", headers=headers)  # phone-island's mode detection
        assert response.status_code == 200 and await response.get_json() == {"username": "alice", "login": "alice"}
        assert (await client.get("/api/probe/dnd", headers=headers)).status_code == 200
        response = await client.get("/api/probe/spy", headers=headers)  # same permissions as the legacy front
        assert response.status_code == 403 and (await response.get_json())["error_id"] == "permission-denied"
        response = await client.get("/api/status")
        assert response.status_code == 200 and (await response.get_json())["plugins"]["api"]["ok"] is True


async def test_the_legacy_front_is_untouched(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        headers = await log_in(client, "alice", "alice-pw")
        assert (await client.get("/webrest/user/me", headers=headers)).status_code == 200
        assert (await client.get("/user/me", headers=headers)).status_code == 200
        # the middleware's own routes answer under /api only
        assert (await client.post("/webrest/login", json={"username": "alice", "password": "alice-pw"})
                ).status_code == 404
        assert (await client.get("/webrest/2fa/status", headers=headers)).status_code == 404


async def test_login_refusals(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        for body in ({"username": "alice", "password": "wrong"}, {"username": "alice"}, {},
                     {"username": "nobody", "password": "x"}):
            response = await client.post("/api/login", json=body)
            assert response.status_code == 401, body
        response = await client.post("/api/login", data="{not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 400


async def test_login_shares_the_nonce_logins_failure_limit(make_conf):
    async with running_app(make_conf("[auth]\nmax_login_failures = 3\n")) as app:
        client = app.test_client()
        for _ in range(2):
            assert (await client.post("/api/login", json={"username": "bob", "password": "no"})).status_code == 401
        response = await client.post("/webrest/authentication/login", json={"username": "bob", "password": "no"})
        assert response.status_code == 401
        response = await client.post("/api/login", json={"username": "bob", "password": "bob-pw"})
        assert response.status_code == 429 and (await response.get_json())["error_id"] == "too-many-login-failures"


async def test_an_extension_logs_in_as_its_owner(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        response = await client.post("/api/login", json={"username": "201", "password": "alice-pw"})
        assert response.status_code == 200
        token = (await response.get_json())["token"]
        assert jwt.decode(token, options={"verify_signature": False})["id"] == "alice"


async def test_logout_then_401_everywhere_also_after_a_restart(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        kept, dropped = await api_login(client, "alice", "alice-pw"), await api_login(client, "alice", "alice-pw")
        assert kept != dropped
        response = await client.post("/api/logout", headers=bearer(dropped))
        assert response.status_code == 200 and await response.get_json() == {"code": 200}
        await app.hooks_idle()
        assert [login for login, _digest in probe.revoked] == ["alice"]  # websocket: its sockets are closed
        response = await client.get("/api/user/me", headers=bearer(dropped))
        assert response.status_code == 401 and (await response.get_json())["error_id"] == "invalid-token"
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        assert (await client.get("/api/user/me", headers=bearer(kept))).status_code == 200  # survives a restart
        assert (await client.get("/api/user/me", headers=bearer(dropped))).status_code == 401


def forged(claims: dict, key: str | bytes = "another key, as long as a real one is", algorithm="HS256") -> str:
    now = int(time.time())
    return jwt.encode({"id": "alice", "2fa": False, "otp_verified": False, "iat": now, "exp": now + 3600, **claims},
                      key, algorithm=algorithm)


def unsigned(claims: dict) -> str:
    """``alg: none``: a header and a payload, no signature."""
    return forged(claims, key=None, algorithm="none")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with the HS256 key
async def test_forged_and_expired_jwts_are_401(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        real = await api_login(client, "alice", "alice-pw")
        key = app.extensions["api"].codec.key
        claims = jwt.decode(real, key, algorithms=["HS256"])
        tokens = {
            "another key": forged({}),
            "alg none": unsigned(claims),
            "alg none, real claims and a signature": unsigned(claims) + real.rsplit(".", 1)[1],
            "expired": forged({"iat": claims["iat"] - 7200, "exp": int(time.time()) - 1}, key),
            "not issued (right key, never logged in)": forged({}, key),
            "HS512 with the right key": forged({}, key, "HS512"),
            "garbage": "a.b.c",
        }
        for name, token in tokens.items():
            response = await client.get("/api/user/me", headers=bearer(token))
            assert response.status_code == 401, name
            assert (await response.get_json())["error_id"] == "invalid-token", name


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", "Bearer a b", "bearer " + "x" * 2000, "Basic abc"])
async def test_malformed_bearer_is_400_or_401(conf_dir, probe, authorization):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        response = await app.test_client().get("/api/user/me", headers={"Authorization": authorization})
        assert response.status_code in (400, 401)


async def test_jwt_secret_from_the_configuration(make_conf, probe):
    async with running_app(make_conf('[api]\njwt_secret = "s3cret-of-32-bytes-at-least-1234"\n'),
                           extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        token = await api_login(client, "bob", "bob-pw")
        assert jwt.decode(token, "s3cret-of-32-bytes-at-least-1234", algorithms=["HS256"])["id"] == "bob"


async def test_the_generated_key_is_private(conf_dir, tmp_path):
    async with running_app(conf_dir):
        pass
    key = tmp_path / "state" / "api.key"
    assert key.stat().st_mode & 0o777 == 0o600


async def test_per_address_rate_limit_under_api_only(make_conf, probe):
    async with running_app(make_conf("[api]\nrate_limit = 1\nrate_limit_burst = 5\n"),
                           extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        token = await api_login(client, "alice", "alice-pw")
        statuses = [(await client.get("/api/user/me", headers=bearer(token))).status_code for _ in range(8)]
        assert statuses[:4] == [200] * 4 and statuses[-1] == 429
        response = await client.get("/api/user/me", headers=bearer(token))
        assert (await response.get_json())["error_id"] == "rate-limited" and response.headers["Retry-After"] == "1"
        assert (await client.get("/status")).status_code == 200  # the legacy front is not limited
