"""TOTP 2FA as nethvoice-cti drives it: set up from the QR code, then logins that need the one-time password."""

import time

import jwt
import pyotp
from nethcti_api.testing import api_login, bearer, enable_2fa

from nethcti.testing import running_app


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})  # as the client's decodeJWT


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-s step: the current one was used (codes are single-use) and the window allows it."""
    return totp.at(time.time() + 30)


async def test_login_steps_without_2fa(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        token = await api_login(client, "alice", "alice-pw")  # 1, 2
        assert claims_of(token)["2fa"] is False  # 3: no OTP form
        assert (await client.get("/api/user/me", headers=bearer(token))).status_code == 200  # 4
        response = await client.get("/api/2fa/status", headers=bearer(token))  # 5
        assert response.status_code == 200 and await response.get_json() == {"status": False}


async def test_set_up_then_every_login_needs_the_otp(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        first = await api_login(client, "alice", "alice-pw")
        other = await api_login(client, "alice", "alice-pw")  # another browser
        response = await client.get("/api/2fa/qr-code", headers=bearer(first))
        body = await response.get_json()
        assert body["code"] == 200 and body["message"] == "QR code string"
        url = body["data"]["url"]
        assert url.startswith("otpauth://totp/NethVoice:alice?") and f"secret={body['data']['key']}" in url
        again = await (await client.get("/api/2fa/qr-code", headers=bearer(first))).get_json()
        assert again["data"]["key"] == body["data"]["key"]  # the same until 2FA is enabled
        totp, verified = await enable_2fa(client, "alice", first)
        assert claims_of(verified)["2fa"] is True and claims_of(verified)["otp_verified"] is True
        assert (await client.get("/api/user/me", headers=bearer(verified))).status_code == 200
        for revoked in (first, other):  # enabling 2FA logs every other session out; the old token is replaced
            assert (await client.get("/api/user/me", headers=bearer(revoked))).status_code == 401
        response = await client.get("/api/2fa/qr-code", headers=bearer(verified))  # the secret is never shown again
        assert response.status_code == 400 and (await response.get_json())["error_id"] == "2fa-already-enabled"
        assert await (await client.get("/api/2fa/status", headers=bearer(verified))).get_json() == {"status": True}

        # the client's login, steps 1-6 with 2FA
        pending = await api_login(client, "alice", "alice-pw")
        assert claims_of(pending)["2fa"] is True and claims_of(pending)["otp_verified"] is False
        response = await client.get("/api/user/me", headers=bearer(pending))  # a pending JWT reaches nothing else
        assert response.status_code == 401 and (await response.get_json())["error_id"] == "second-factor-required"
        assert (await client.get("/api/2fa/status", headers=bearer(pending))).status_code == 401
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "alice", "otp": "000000" if totp.now() != "000000" else "1"})
        assert response.status_code == 400 and (await response.get_json())["error_id"] == "invalid-otp"
        code = next_code(totp)
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "alice", "otp": code})
        assert response.status_code == 200
        body = await response.get_json()
        assert body["code"] == 200 and body["message"] == "OTP verified" and set(body["data"]) == {"token", "expire"}
        token = body["data"]["token"]
        assert (await client.get("/api/user/me", headers=bearer(token))).status_code == 200
        assert (await client.get("/api/user/me", headers=bearer(pending))).status_code == 401  # replaced
        assert (await client.get("/api/user/me", headers=bearer(verified))).status_code == 200  # others stay

        # a code is accepted once
        pending = await api_login(client, "alice", "alice-pw")
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "alice", "otp": code})
        assert response.status_code == 400


async def test_recovery_codes_are_single_use(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        token = await api_login(client, "bob", "bob-pw")
        response = await client.post("/api/2fa/recovery-codes", headers=bearer(token), json={"password": "bob-pw"})
        assert await response.get_json() == {"codes": []}  # no secret yet
        _totp, token = await enable_2fa(client, "bob", token)
        response = await client.post("/api/2fa/recovery-codes", headers=bearer(token), json={"password": "wrong"})
        assert response.status_code == 401
        response = await client.post("/api/2fa/recovery-codes", headers=bearer(token), json={"password": "bob-pw"})
        codes = (await response.get_json())["codes"]
        assert len(codes) == 5 and all(len(c) == 6 and c.isdigit() for c in codes)

        pending = await api_login(client, "bob", "bob-pw")
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "bob", "otp": codes[0]})
        assert response.status_code == 200
        pending = await api_login(client, "bob", "bob-pw")
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "bob", "otp": codes[0]})
        assert response.status_code == 400  # used
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "bob", "otp": codes[1]})
        assert response.status_code == 200


async def test_disable_needs_the_password_and_logs_everybody_out(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        _totp, token = await enable_2fa(client, "carol", await api_login(client, "carol", "carol-pw"))
        response = await client.post("/api/2fa/disable", headers=bearer(token), json={"password": "wrong"})
        assert response.status_code == 401
        response = await client.post("/api/2fa/disable", headers=bearer(token), json={"password": "carol-pw"})
        assert response.status_code == 200
        assert (await response.get_json())["data"] == {"must_relogin": True}
        assert (await client.get("/api/2fa/status", headers=bearer(token))).status_code == 401
        token = await api_login(client, "carol", "carol-pw")
        assert claims_of(token)["2fa"] is False
        assert await (await client.get("/api/2fa/status", headers=bearer(token))).get_json() == {"status": False}


async def test_wrong_otps_are_limited_and_usernames_must_match(make_conf):
    async with running_app(make_conf("[api]\nmax_otp_failures = 3\n")) as app:
        client = app.test_client()
        totp, _token = await enable_2fa(client, "dave", await api_login(client, "dave", "dave-pw"))
        pending = await api_login(client, "dave", "dave-pw")
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "alice", "otp": next_code(totp)})
        assert response.status_code == 400 and (await response.get_json())["error_id"] == "otp-user-mismatch"
        wrong = [c for c in ("111111", "222222", "333333", "444444") if c not in (totp.now(), next_code(totp))]
        statuses = []
        for code in wrong[:3]:
            statuses.append((await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                               json={"username": "dave", "otp": code})).status_code)
        response = await client.post("/api/2fa/verify-otp", headers=bearer(pending),
                                     json={"username": "dave", "otp": next_code(totp)})
        assert statuses == [400, 400, 400] and response.status_code == 429
        assert (await response.get_json())["error_id"] == "too-many-otp-failures"


async def test_the_secret_is_encrypted_at_rest(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        totp, _token = await enable_2fa(client, "alice", await api_login(client, "alice", "alice-pw"))
        db = app.extensions["database"]
        async with db.engine.connect() as conn:
            from sqlalchemy import text
            stored = (await conn.execute(text("SELECT secret FROM api_totp"))).scalar_one()
        assert totp.secret not in stored
