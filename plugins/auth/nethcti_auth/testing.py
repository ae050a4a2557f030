"""Test helpers for plugins behind auth: log in over HTTP exactly as the NethVoice clients do."""

from __future__ import annotations

import hashlib
import hmac

LOGIN_PATH = "/webrest/authentication/login"


def client_token(username: str, password: str, nonce: str) -> str:
    """The clients' algorithm (nethvoice-cti ≤ 0.11, nethcti-middleware): hex HMAC-SHA1 keyed by the password.

    Written here independently of the server's code on purpose: tests prove the two agree.
    """
    return hmac.new(password.encode(), f"{username}:{password}:{nonce}".encode(), hashlib.sha1).hexdigest()


async def nonce_of(client, username: str, password: str, headers: dict | None = None) -> str:
    """POST the credentials; the nonce is in the 401's ``WWW-Authenticate: Digest <nonce>``."""
    response = await client.post(LOGIN_PATH, json={"username": username, "password": password}, headers=headers or {})
    assert response.status_code == 401, f"login of {username!r}: {response.status_code}"
    assert "WWW-Authenticate" in response.headers, f"login of {username!r} refused"
    return response.headers["WWW-Authenticate"].split(" ")[1]  # as the web client reads it


async def log_in(client, username: str, password: str, headers: dict | None = None) -> dict:
    """Log in with a Quart test client; return the headers of an authenticated request."""
    nonce = await nonce_of(client, username, password, headers)
    return {"Authorization": f"{username}:{client_token(username, password, nonce)}"}
