"""The passwords file: ``username:scrypt$N$r$p$salt$hash`` lines (base64), salted per user, mode 0600."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES, HASH_BYTES = 2**14, 8, 1, 16, 32
MAX_MEM = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Constant-time check; an unknown user (``encoded`` None) costs as much as a known one."""
    try:
        scheme, n, r, p, salt, digest = (encoded or "").split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = base64.b64decode(digest)
        computed = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except ValueError:  # no entry or an entry we cannot read: spend the same time, then refuse
        _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
        return False
    return hmac.compare_digest(computed, expected)


class PasswordFile:
    """Read on demand (re-read when its mtime changes, so ``nethcti user passwd`` needs no reload)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._entries: dict[str, str] = {}
        self._stamp: tuple[int, int] | None = None

    def lookup(self, username: str) -> str | None:
        self._refresh()
        return self._entries.get(username)

    def check(self, username: str, password: str) -> bool:
        return verify_password(password, self.lookup(username))

    def set(self, username: str, password: str) -> None:
        entries = self._read()
        entries[username] = hash_password(password)
        self._write(entries)

    def delete(self, username: str) -> bool:
        entries = self._read()
        if entries.pop(username, None) is None:
            return False
        self._write(entries)
        return True

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._entries, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._entries, self._stamp = self._read(), stamp

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        entries = {}
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                username, _, encoded = line.partition(":")
                entries[username] = encoded
        return entries

    def _write(self, entries: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".passwords.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp creates it 0600
                out.write("# nethcti passwords: managed by `nethcti user passwd`\n")
                out.writelines(f"{username}:{encoded}\n" for username, encoded in sorted(entries.items()))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=MAX_MEM)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
