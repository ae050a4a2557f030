"""Test helpers for plugins behind auth: the demo users' conf.d, and logging in over HTTP exactly as the
NethVoice clients do (both exported by nethcti.testing)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path

from nethcti.testing import base_conf
from nethcti_auth.passwords import PasswordFile

LOGIN_PATH = "/webrest/authentication/login"

DEMO_PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}

# the demo PBX's users (docs/demo-pbx.md); alice and dave see everything, bob and carol have privacy
DEMO_USERS_TOML = """
[users]
enabled = true

[users.profiles.full]
name = "Full"
permissions = ["settings.dnd", "settings.call_forward", "settings.parkings", "presence_panel", "phonebook"]

[users.profiles.privacy]
name = "Privacy"
permissions = ["settings.privacy", "settings.dnd"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "full"
mainextension = "201"
extensions = ["201", { id = "91201", type = "webrtc", user = "91201", password = "sip-secret" }]

[users.accounts.bob]
name = "Bob Bianchi"
profile = "privacy"
mainextension = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "privacy"
mainextension = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "full"
mainextension = "204"
"""


def users_conf(tmp_path: Path, extra: str = "", *, users: str = DEMO_USERS_TOML,
               passwords: Mapping[str, str] = DEMO_PASSWORDS) -> Path:
    """A conf.d with users, database and auth enabled, plus ``extra`` TOML (your plugin's section).

    ``users``: the [users] section (default: alice 201 + 91201, bob 202, carol 203, dave 204; bob and carol
    with privacy); ``passwords``: written to the passwords file (default: ``<name>-pw``).
    """
    conf_dir = base_conf(tmp_path, users + "\n[database]\nenabled = true\n\n[auth]\nenabled = true\n")
    if extra:
        (conf_dir / "60-extra.toml").write_text(extra)
    password_file = PasswordFile(tmp_path / "state" / "passwords")
    for username, password in passwords.items():
        password_file.set(username, password)
    return conf_dir


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
