"""TOTP second factor (RFC 6238, as Google Authenticator): secrets encrypted at rest, single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import delete, select

from nethcti_api.errors import NoSecret, TwoFactorAlreadyEnabled
from nethcti_api.store import RecoveryCode, TotpSecret

RECOVERY_CODES = 5  # as the middleware: five 6-digit codes, typed where the one-time password goes
WINDOW = 1  # steps of 30 s accepted before and after now (the middleware's dgoogauth WindowSize 3)


class TwoFactor:
    """Per-user TOTP secrets in the database, encrypted with ``cipher``; recovery codes kept as keyed hashes."""

    def __init__(self, db, cipher: Fernet, code_key: bytes, issuer: str, clock: Callable[[], float] = time.time):
        self.db, self.cipher, self.code_key, self.issuer, self.clock = db, cipher, code_key, issuer, clock

    async def enabled(self, username: str) -> bool:
        async with self.db.session() as session:
            row = await session.get(TotpSecret, username)
        return row is not None and row.enabled

    async def setup(self, username: str) -> tuple[str, str]:
        """The otpauth:// URL and the secret for the authenticator app; the same until 2FA is enabled, then never."""
        async with self.db.begin() as session:
            row = await session.get(TotpSecret, username)
            if row is not None and row.enabled:
                raise TwoFactorAlreadyEnabled()
            if row is None:
                secret = pyotp.random_base32()  # 160 bits, as the middleware's 20 random bytes
                session.add(TotpSecret(username=username, secret=self._encrypt(secret), enabled=False, last_step=0))
            else:
                secret = self._decrypt(row.secret)
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=self.issuer), secret

    async def verify(self, username: str, otp: str) -> bool:
        """Whether ``otp`` is the current one-time password (each used once) or an unused recovery code.

        The first success enables 2FA for the user.
        """
        async with self.db.begin() as session:
            row = await session.get(TotpSecret, username, with_for_update=True)
            if row is None:
                raise NoSecret()
            step = self._matching_step(self._decrypt(row.secret), otp, row.last_step or 0)
            if step is not None:
                row.last_step = step  # a code seen once is not accepted again (replay)
            elif not await self._use_recovery_code(session, username, otp):
                return False
            row.enabled = True
        return True

    async def disable(self, username: str) -> None:
        async with self.db.begin() as session:
            await session.execute(delete(TotpSecret).where(TotpSecret.username == username))
            await session.execute(delete(RecoveryCode).where(RecoveryCode.username == username))

    async def new_recovery_codes(self, username: str) -> list[str]:
        """Fresh codes replacing the previous ones (they are stored hashed: shown once); [] without a secret."""
        codes = [f"{secrets.randbelow(10**6):06d}" for _ in range(RECOVERY_CODES)]
        async with self.db.begin() as session:
            if await session.get(TotpSecret, username) is None:
                return []
            await session.execute(delete(RecoveryCode).where(RecoveryCode.username == username))
            session.add_all(RecoveryCode(username=username, code_hash=self._hash(username, code)) for code in codes)
        return codes

    def _matching_step(self, secret: str, otp: str, last_step: int) -> int | None:
        totp, now = pyotp.TOTP(secret), int(self.clock()) // 30
        for step in range(now - WINDOW, now + WINDOW + 1):
            if step > last_step and hmac.compare_digest(totp.at(step * 30).encode(), otp.encode()):
                return step
        return None

    async def _use_recovery_code(self, session, username: str, otp: str) -> bool:
        found = (await session.execute(select(RecoveryCode.id).where(
            RecoveryCode.username == username, RecoveryCode.code_hash == self._hash(username, otp)).limit(1))).first()
        if found is None:
            return False
        used = await session.execute(delete(RecoveryCode).where(RecoveryCode.id == found[0]))
        return used.rowcount == 1  # a concurrent use of the same code got it first

    def _hash(self, username: str, code: str) -> str:
        return hmac.new(self.code_key, f"{username}\0{code}".encode(), hashlib.sha256).hexdigest()

    def _encrypt(self, secret: str) -> str:
        return self.cipher.encrypt(secret.encode()).decode()

    def _decrypt(self, token: str) -> str:
        return self.cipher.decrypt(token.encode()).decode()
