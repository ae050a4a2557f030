"""Password backends: the passwords file (default) and PAM; plugins add more with ``register_password_backends``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from nethcti_users.model import User

from nethcti.errors import StartupError
from nethcti_auth.passwords import PasswordFile


class PasswordBackend(Protocol):
    """Checks a password; must not block the event loop (run blocking work in a thread)."""

    async def check(self, user: User, login: str, password: str) -> bool:
        """``user`` is who ``login`` (the string typed at login: username, extension, user@domain) resolved to."""
        ...


class FileBackend:
    """Salted scrypt hashes in ``[auth] passwords_file``, managed with ``nethcti user passwd``."""

    def __init__(self, path: str | Path):
        self.file = PasswordFile(path)

    async def check(self, user: User, login: str, password: str) -> bool:
        return await asyncio.to_thread(self.file.check, user.username, password)


class PamBackend:
    """System accounts through PAM service ``[auth] pam_service`` (needs nethcti-auth[pam])."""

    def __init__(self, service: str):
        try:
            import pam  # optional dependency: python-pam
        except ImportError:
            raise StartupError("[auth] backend = \"pam\" needs python-pam: pip install nethcti-auth[pam]") from None
        self.pam, self.service = pam, service

    async def check(self, user: User, login: str, password: str) -> bool:
        # as the original: user@domain goes to PAM as typed (sssd, AD), an extension as its owner's username
        name = login if "@" in login else user.username
        return await asyncio.to_thread(self.pam.authenticate, name, password, service=self.service)


def password_file_path(config: dict, state_dir: str) -> Path:
    return Path(config["passwords_file"] or Path(state_dir) / "passwords")


def builtin_backends() -> dict:
    return {
        "file": lambda app: FileBackend(
            password_file_path(app.plugin_config("auth"), app.settings.server["state_dir"])
        ),
        "pam": lambda app: PamBackend(app.plugin_config("auth")["pam_service"]),
    }
