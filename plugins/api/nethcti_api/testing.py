"""Test helpers for plugins behind auth: the /api login and 2FA set-up of nethvoice-cti ≥ 0.12, with a test client."""

from __future__ import annotations

import pyotp


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def api_login(client, username: str, password: str) -> str:
    """POST /api/login with the lower-cased username, as the client does; the JWT."""
    response = await client.post("/api/login", json={"username": username.lower(), "password": password})
    assert response.status_code == 200, f"/api/login of {username!r}: {response.status_code}"
    return (await response.get_json())["token"]


async def enable_2fa(client, username: str, token: str) -> tuple[pyotp.TOTP, str]:
    """Settings > 2FA: the QR code, then a one-time password computed from its secret; (totp, the new JWT)."""
    response = await client.get("/api/2fa/qr-code", headers=bearer(token))
    assert response.status_code == 200, f"/api/2fa/qr-code: {response.status_code}"
    data = (await response.get_json())["data"]
    totp = pyotp.parse_uri(data["url"])
    assert totp.secret == data["key"]
    response = await client.post("/api/2fa/verify-otp", headers=bearer(token),
                                 json={"username": username, "otp": totp.now()})
    assert response.status_code == 200, f"/api/2fa/verify-otp: {response.status_code}"
    return totp, (await response.get_json())["data"]["token"]
