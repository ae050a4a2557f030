"""The Auth service on ``app.extensions["auth"]``: login, token checks, persistent tokens, revocation."""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from loguru import logger
from nethcti_users.model import User
from nethcti_users.service import Users

from nethcti_auth.backends import PasswordBackend
from nethcti_auth.errors import InvalidCredentials, TooManyLoginFailures, UserNotConfigured
from nethcti_auth.persistent import PersistentTokens
from nethcti_auth.shared import LocalState, SharedState
from nethcti_auth.tokens import client_token, new_nonce, token_digest

NO_EXPIRY = "no-exp"
PHONE_ISLAND = "phone-island"

Subscriber = Callable[[str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BearerGrant:
    """What a bearer scheme says of a valid ``Authorization: Bearer <token>``."""

    user: User
    login: str  # the login the token was granted to
    pending: bool = False  # a second factor is still due: only views marked ``second_factor`` accept it


class BearerScheme(Protocol):
    """Bearer tokens another plugin issues (the api plugin's JWTs); registered with ``Auth.add_bearer_scheme``."""

    async def verify(self, token: str) -> BearerGrant | None: ...

    async def revoke(self, token: str) -> str | None:
        """Revoke ``token`` if it is one of this scheme's; the login it was granted to, else None."""


def is_bearer_shaped(token: str) -> bool:
    """A JWT (``header.payload.signature``); the HMAC tokens of the nonce login are hex."""
    return token.count(".") == 2


def phone_island_audience(subtype: str | None) -> str:
    """``phone-island``, or ``phone-island:<subtype>`` (``web``, ``user`` …) so clients do not overwrite each other."""
    return f"{PHONE_ISLAND}:{subtype}" if subtype else PHONE_ISLAND


class Auth:
    """Grants and failure counts are in the shared state (this process's memory, or Redis for several processes);
    persistent tokens are in the database."""

    def __init__(self, users: Users, backend: PasswordBackend, persistent: PersistentTokens, *, enabled: bool = True,
                 expiration_timeout: float = 3600, nonce_timeout: float = 300, max_login_failures: int = 5,
                 max_user_failures: int = 20, max_address_failures: int = 20, failure_window: float = 300,
                 max_concurrent_checks: int = 2, shared: SharedState | None = None):
        self.users, self.backend, self.persistent, self.enabled = users, backend, persistent, enabled
        self.shared = shared or LocalState()
        self.grants = self.shared.grants(expiration_timeout, nonce_timeout)
        # a user at an address; a user from anywhere; many users from one address
        self.pair_failures = self.shared.limiter("pair", max_login_failures, failure_window)
        self.user_failures = self.shared.limiter("user", max_user_failures, failure_window)
        self.address_failures = self.shared.limiter("address", max_address_failures, failure_window, distinct=True)
        self.shared.subscribe("revoked", self._revoked_elsewhere)
        self.shared.subscribe("resync", self._resync)
        # A password check costs 16 MiB (scrypt): a login flood queues here instead of growing memory.
        self.checks = asyncio.Semaphore(max_concurrent_checks)
        self._subscribers: list[Subscriber] = []
        self._bearer_schemes: list[BearerScheme] = []
        self.logins = self.login_failures = 0  # password checks passed and refused, for the metrics plugin

    async def login(self, login: str, password: str, *, client: str = "", persistent: bool = False) -> str:
        """Check the credentials and return the nonce the client derives its token from.

        The token is granted to ``login`` exactly as typed (username, extension or user@domain).
        """
        user = await self.authenticate(login, password, client=client)
        nonce = new_nonce()
        token = client_token(login, password, nonce)
        if persistent:
            await self.persistent.store(login, user.username, NO_EXPIRY, token)
        else:
            await self.grants.add(login, token)
        logger.info("auth: {!r} logged in from {}{}", login, client, " (persistent token)" if persistent else "")
        return nonce

    async def authenticate(self, login: str, password: str, *, client: str = "") -> User:
        """The user whose credentials these are, checked by the password backend within the failure limits.

        Raises InvalidCredentials, UserNotConfigured or TooManyLoginFailures: every login (nonce, JWT) and
        every password confirmation goes through here.
        """
        if not login or not password:
            raise InvalidCredentials()
        user = self.users.resolve(login)
        user_key = user.username if user else login.lower()
        pair_key = f"{user_key}\0{client}"
        self._wait(await self.pair_failures.retry_after(pair_key), await self.user_failures.retry_after(user_key),
                   await self.address_failures.retry_after(client))
        # counted before the check, taken back on success: concurrent attempts see each other
        await self.pair_failures.failed(pair_key)
        await self.user_failures.failed(user_key)
        if user is None or user.profile is None:
            await self.address_failures.failed(client, user_key)
            self.login_failures += 1
            name = user.username if user else login.rpartition("@")[0] or login
            message = f"user {name} is not configured"
            raise UserNotConfigured(message, headers={"message": message, "code": "1"})
        if self.enabled:
            async with self.checks:
                # a spray queued behind the semaphore stops as soon as enough of it has failed
                self._wait(await self.address_failures.retry_after(client))
                accepted = await self.backend.check(user, login, password)
            if not accepted:
                await self.address_failures.failed(client, user_key)
                logger.warning("auth: failed login of {!r} from {}", login, client)
                self.login_failures += 1
                raise InvalidCredentials()
        await self.pair_failures.reset(pair_key)
        await self.user_failures.reset(user_key)
        self.logins += 1
        return user

    @staticmethod
    def _wait(*waits: float) -> None:
        wait = max(waits)
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyLoginFailures(details={"retry_after": seconds}, headers={"Retry-After": str(seconds)})

    async def verify_token(self, login: str, token: str) -> User | None:
        """The user ``login`` is, if ``token`` is valid for it (a session token slides its expiry); else None."""
        user = self.users.resolve(login)
        if user is None:
            return None
        if not self.enabled or await self.grants.use(login, token):
            return user
        if is_bearer_shaped(token):  # a JWT: session tokens are hex, never dotted
            grant = await self.verify_bearer(token)
            return user if grant is not None and not grant.pending and grant.user.username == user.username else None
        entry = await self.persistent.find(token)
        if entry is not None and hmac.compare_digest(entry.login.encode(), login.encode()):
            return user
        return None

    def add_bearer_scheme(self, scheme: BearerScheme) -> None:
        """Accept the scheme's tokens as ``Authorization: Bearer <token>``, in socket.io logins and at logout."""
        self._bearer_schemes.append(scheme)

    async def verify_bearer(self, token: str) -> BearerGrant | None:
        for scheme in self._bearer_schemes:
            if (grant := await scheme.verify(token)) is not None:
                return grant
        return None

    async def logout(self, login: str, token: str) -> bool:
        """Revoke the token (session, persistent or bearer) that ``login`` presented."""
        revoked = await self.grants.revoke(login, token) or await self.persistent.remove_token(login, token)
        for scheme in self._bearer_schemes if not revoked and is_bearer_shaped(token) else ():
            if (owner := await scheme.revoke(token)) is not None:
                login, revoked = owner, True
                break
        if revoked:
            await self._revoked(login, token_digest(token))
        return revoked

    async def create_persistent_token(self, user: User, current_token: str, audience: str) -> str:
        """A new token that never expires, derived from the caller's token, granted to ``user.username``."""
        token = client_token(user.username, current_token, new_nonce())
        await self.store_persistent_token(user, audience, token)
        return token

    async def store_persistent_token(self, user: User, audience: str, token: str) -> None:
        """Keep ``token`` (another plugin's, e.g. a JWT) as ``user``'s persistent token for ``audience``."""
        await self.persistent.store(user.username, user.username, audience, token)

    async def has_persistent_token(self, user: User, audience: str) -> bool:
        return await self.persistent.exists(user.username, audience)

    async def remove_persistent_tokens(self, user: User, audience: str) -> int:
        removed = await self.persistent.remove(user.username, audience)
        for login, digest in removed:
            await self._revoked(login, digest)
        return len(removed)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``await callback(login, token_digest)`` on every revocation; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    async def announce_revocation(self, login: str, digest: str) -> None:
        """Tell the revocation subscribers that a token revoked elsewhere (a bearer scheme's) is dead."""
        await self._revoked(login, digest)

    def purge(self) -> None:
        self.grants.purge()
        self.pair_failures.purge()
        self.user_failures.purge()
        self.address_failures.purge()

    async def _revoked(self, login: str, digest: str) -> None:
        """Tell this process's subscribers, then the other processes (their sockets of that token close too)."""
        await self._tell_subscribers(login, digest)
        await self.shared.publish("revoked", {"login": login, "digest": digest})

    async def _revoked_elsewhere(self, data: dict) -> None:
        login, digest = str(data.get("login", "")), str(data.get("digest", ""))
        if login and digest:
            self.grants.forget(login, digest)
            self.persistent.forget(digest)
            await self._tell_subscribers(login, digest)

    async def _resync(self, _data: dict) -> None:
        """Revocations told while the link was down are lost: ask the database again for every persistent token."""
        self.persistent.clear_cache()

    async def _tell_subscribers(self, login: str, digest: str) -> None:
        for callback in list(self._subscribers):
            try:
                await callback(login, digest)
            except Exception as exc:
                logger.opt(exception=exc).error("auth: revocation subscriber {!r} failed", callback)
