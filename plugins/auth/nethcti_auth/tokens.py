"""Token maths shared with the clients, and the in-memory store of login grants with sliding expiry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]


def new_nonce() -> str:
    """40 hex characters, as the original's sha1 nonces."""
    return secrets.token_hex(20)


def client_token(login: str, secret: str, nonce: str) -> str:
    """What the client computes: ``hex(HMAC-SHA1(key=secret, msg="login:secret:nonce"))``."""
    return hmac.new(secret.encode(), f"{login}:{secret}:{nonce}".encode(), hashlib.sha1).hexdigest()


def token_digest(token: str) -> str:
    """SHA-256 of a token: what is stored and looked up, never the token itself.

    Looking tokens up by digest keeps the lookup independent of how much of a guess matches a real token.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class Grants:
    """Tokens handed out at login, by login string; each one lives ``timeout`` seconds after its last use.

    A grant never used yet lives ``unused_timeout`` seconds; at most ``max_unused`` such grants exist
    (the oldest go first) and at most ``max_per_login`` grants per login.
    """

    def __init__(self, timeout: float, unused_timeout: float, clock: Clock = time.monotonic,
                 max_per_login: int = 100, max_unused: int = 10_000):
        self.timeout, self.unused_timeout, self.clock = timeout, unused_timeout, clock
        self.max_per_login, self.max_unused = max_per_login, max_unused
        self._grants: dict[str, dict[str, float]] = {}  # login -> token digest -> expiry
        self._unused: OrderedDict[tuple[str, str], None] = OrderedDict()

    def add(self, login: str, token: str) -> None:
        grants = self._grants.setdefault(login, {})
        if len(grants) >= self.max_per_login:
            self._drop(login, min(grants, key=grants.__getitem__))
        digest = token_digest(token)
        grants[digest] = self.clock() + min(self.unused_timeout, self.timeout)
        self._unused[(login, digest)] = None
        while len(self._unused) > self.max_unused:
            self._drop(*self._unused.popitem(last=False)[0])

    def use(self, login: str, token: str) -> bool:
        """Whether the token is valid for ``login``; a valid one is extended by ``timeout``."""
        grants = self._grants.get(login)
        if not grants:
            return False
        digest = token_digest(token)
        expires = grants.get(digest)
        if expires is None:
            return False
        now = self.clock()
        if now > expires:
            self._drop(login, digest)
            return False
        grants[digest] = now + self.timeout
        self._unused.pop((login, digest), None)
        return True

    def revoke(self, login: str, token: str) -> bool:
        digest = token_digest(token)
        if digest not in self._grants.get(login, {}):
            return False
        self._drop(login, digest)
        return True

    def purge(self) -> int:
        """Forget expired grants; return how many."""
        now = self.clock()
        expired = [(login, d) for login, grants in self._grants.items() for d, exp in grants.items() if now > exp]
        for login, digest in expired:
            self._drop(login, digest)
        return len(expired)

    def __len__(self) -> int:
        return sum(map(len, self._grants.values()))

    def drop(self, login: str, digest: str) -> None:
        """Forget a grant by its digest (revoked by another process)."""
        self._drop(login, digest)

    def _drop(self, login: str, digest: str) -> None:
        grants = self._grants.get(login, {})
        grants.pop(digest, None)
        if not grants:
            self._grants.pop(login, None)
        self._unused.pop((login, digest), None)
