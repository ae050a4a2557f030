"""The Api service on ``app.extensions["api"]``: JWT sessions (a bearer scheme of auth), 2FA, integrations."""

from __future__ import annotations

import math

from loguru import logger
from nethcti_auth.service import Auth, BearerGrant
from nethcti_auth.shared import Limiter
from nethcti_users.model import User

from nethcti_api.errors import TooManyOtpFailures
from nethcti_api.jwts import Codec
from nethcti_api.store import LiveTokens
from nethcti_api.twofactor import TwoFactor

AUDIENCES = ("phone-island", "mobile-app")  # integration tokens: stored with the auth plugin's persistent tokens
INTEGRATION_LIFETIME = 100 * 365 * 86400  # as the middleware: they live until removed


class Api:
    """Sessions are JWTs whose digest is in the database until logout or expiry, so they survive restarts."""

    def __init__(self, auth: Auth, codec: Codec, live: LiveTokens, two_factor: TwoFactor, otp_failures: Limiter):
        self.auth, self.codec, self.live, self.two_factor = auth, codec, live, two_factor
        self.otp_failures = otp_failures

    # -- the bearer scheme the auth guard and the socket.io login ask

    async def verify(self, token: str) -> BearerGrant | None:
        claims = self.codec.decode(token)
        if claims is None:
            return None
        audience = claims.get("aud")
        if audience is None:
            alive = await self.live.alive(token)
        else:
            entry = await self.auth.persistent.find(token)
            alive = entry is not None and audience in AUDIENCES and entry.audience == audience
        user = self.auth.users.get(claims["id"]) if alive else None
        if user is None or user.profile is None:
            return None
        return BearerGrant(user, user.username, pending=self.codec.pending(claims))

    async def revoke(self, token: str) -> str | None:
        return await self.live.remove(token)

    # -- sessions

    async def login(self, login: str, password: str, *, client: str) -> tuple[str, int]:
        """A JWT for good credentials (the auth plugin's backends and limits); it still needs the OTP under 2FA."""
        user = await self.auth.authenticate(login, password, client=client)
        token, expire = await self.issue(user, otp_verified=False)
        logger.info("api: {!r} logged in from {}", user.username, client)
        return token, expire

    async def issue(self, user: User, *, otp_verified: bool) -> tuple[str, int]:
        two_factor = await self.two_factor.enabled(user.username)
        token, expire = self.codec.issue(user.username, two_factor=two_factor, otp_verified=otp_verified,
                                         profile_id=user.profile.id if user.profile else None)
        await self.live.add(user.username, token, expire)
        return token, expire

    async def logout(self, user: User, token: str) -> None:
        await self.auth.logout(user.username, token)

    async def purge(self) -> int:
        return await self.live.purge()

    # -- second factor

    async def verify_otp(self, user: User, current: str, otp: str) -> tuple[str, int] | None:
        """A fresh, verified JWT replacing ``current`` if ``otp`` is right; None if it is wrong.

        The first success enables 2FA: the user's other sessions and integration tokens are revoked, as they were
        granted without the second factor.
        """
        key = user.username
        wait = await self.otp_failures.retry_after(key)
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyOtpFailures(details={"retry_after": seconds}, headers={"Retry-After": str(seconds)})
        await self.otp_failures.failed(key)  # counted first, as password failures: concurrent guesses see each other
        was_enabled = await self.two_factor.enabled(key)
        if not await self.two_factor.verify(key, otp):
            logger.warning("api: wrong one-time password for {!r}", key)
            return None
        await self.otp_failures.reset(key)
        if not was_enabled:
            logger.info("api: 2FA enabled for {!r}", key)
            await self.revoke_user(user, keep=current)
        fresh = await self.issue(user, otp_verified=True)
        await self.auth.logout(user.username, current)
        return fresh

    async def disable_2fa(self, user: User) -> None:
        """Remove the secret and the recovery codes; every session and integration token must log in again."""
        await self.two_factor.disable(user.username)
        await self.revoke_user(user)
        logger.info("api: 2FA disabled for {!r}", user.username)

    async def revoke_user(self, user: User, keep: str | None = None) -> None:
        for username, digest in await self.live.remove_user(user.username, keep=keep):
            await self.auth.announce_revocation(username, digest)
        for audience in AUDIENCES:
            await self.auth.remove_persistent_tokens(user, audience)

    # -- integration tokens (phone-island, mobile app)

    async def create_integration_token(self, user: User, audience: str) -> str:
        """A long-lived JWT for ``audience``, replacing the previous one (a persistent token of the auth plugin).

        Its holder passed the guard, so under 2FA it did verify a one-time password.
        """
        two_factor = await self.two_factor.enabled(user.username)
        token, _expire = self.codec.issue(user.username, two_factor=two_factor, otp_verified=two_factor,
                                          lifetime=INTEGRATION_LIFETIME, audience=audience,
                                          profile_id=user.profile.id if user.profile else None)
        await self.auth.store_persistent_token(user, audience, token)
        return token
