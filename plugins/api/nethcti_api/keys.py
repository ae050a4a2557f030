"""The plugin's secret key file in the state directory: created once (mode 0600), purpose keys derived from it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "api.key"


def load_or_create(state_dir: str | Path) -> bytes:
    """The 32 random bytes of ``<state_dir>/api.key``, written with mode 0600 the first time."""
    path = Path(state_dir) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:  # O_EXCL: two processes starting at once keep the first one's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as file:
        file.write(key.hex() + "\n")
    return key


def derive(master: bytes, purpose: str) -> bytes:
    """An independent 32-byte key for ``purpose`` ("jwt", "totp", "recovery")."""
    return hmac.new(master, f"nethcti-api:{purpose}".encode(), hashlib.sha256).digest()


def fernet_key(master: bytes, purpose: str) -> bytes:
    return base64.urlsafe_b64encode(derive(master, purpose))
