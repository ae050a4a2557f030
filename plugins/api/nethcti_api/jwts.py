"""The middleware's JWTs: HS256 only, claims ``id``, ``2fa``, ``otp_verified``, ``profile_id``, ``iat``, ``exp``."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt

ALGORITHM = "HS256"  # pinned: a token naming another algorithm ("none" included) is refused
REQUIRED = ["id", "iat", "exp"]


class Codec:
    """Signs and checks tokens with one key; ``lifetime`` seconds from issue to expiry."""

    def __init__(self, key: bytes | str, lifetime: int, clock: Callable[[], float] = time.time):
        self.key, self.lifetime, self.clock = key, lifetime, clock

    def issue(self, username: str, *, two_factor: bool, otp_verified: bool, profile_id: str | None,
              lifetime: int | None = None, audience: str | None = None) -> tuple[str, int]:
        """A signed token and its expiry (epoch seconds)."""
        now = int(self.clock())
        expire = now + (self.lifetime if lifetime is None else lifetime)
        claims: dict[str, Any] = {"id": username, "2fa": two_factor, "otp_verified": otp_verified, "iat": now,
                                  "exp": expire, "jti": secrets.token_hex(8)}  # jti: two logins in a second differ
        if profile_id is not None:
            claims["profile_id"] = profile_id
        if audience is not None:
            claims["aud"] = audience
        return jwt.encode(claims, self.key, algorithm=ALGORITHM), expire

    def decode(self, token: str) -> dict[str, Any] | None:
        """The claims of a token signed with this key and not expired; None for anything else."""
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM], options={"require": REQUIRED,
                                "verify_aud": False}, leeway=0)
        except jwt.PyJWTError:
            return None
        if not isinstance(claims.get("id"), str) or claims["exp"] <= self.clock():
            return None
        return claims

    @staticmethod
    def pending(claims: dict[str, Any]) -> bool:
        """Issued to a user with 2FA whose one-time password is not verified yet."""
        return claims.get("2fa") is True and claims.get("otp_verified") is not True
