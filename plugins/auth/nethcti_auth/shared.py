"""What every process of one service must agree on (session tokens, login failures, request rates, sockets per
user, messages), behind one small interface: kept in this process (``LocalState``), or in Redis
(``nethcti_websocket.cluster``, with ``[websocket] redis_url``), so the plugins do not care which.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from nethcti_auth.ratelimit import FailureLimiter, SprayLimiter, TokenBuckets
from nethcti_auth.tokens import Grants

SHARED_STATE = "shared_state"  # app.extensions key; a plugin's configure hook may put another SharedState there
MOBILE = "mobile"

Handler = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SocketEntry:
    """A logged-in socket of a user, in some process of the service."""

    sid: str
    ua_type: str | None
    process: str

    @property
    def desktop(self) -> bool:
        """Whether it counts for the auto rules: anything but a mobile app (no uaType counts as desktop)."""
        return self.ua_type != MOBILE


class GrantStore(Protocol):
    """Session tokens of the nonce login, by login string, with sliding expiry (``nethcti_auth.tokens.Grants``)."""

    async def add(self, login: str, token: str) -> None: ...
    async def use(self, login: str, token: str) -> bool: ...
    async def revoke(self, login: str, token: str) -> bool: ...
    def forget(self, login: str, digest: str) -> None:
        """Drop a copy this process keeps of a grant revoked elsewhere."""
    def purge(self) -> None: ...
    def size(self) -> int | None:
        """How many grants exist, when that is known without a round trip; else None."""


class Limiter(Protocol):
    """Failures in a sliding window per key: ``failed(key)`` counts one (``member``: a distinct login, for a
    limiter of distinct logins), ``retry_after(key)`` says how long ``key`` must wait, ``reset(key)`` forgets it."""

    async def retry_after(self, key: str) -> float: ...
    async def failed(self, key: str, member: str = "") -> None: ...
    async def reset(self, key: str) -> None: ...
    def purge(self) -> None: ...


class RateLimiter(Protocol):
    """Requests per key as token buckets: ``rate`` per second, ``burst`` at once. ``allow(key)`` takes a token from
    ``key``'s bucket and says whether there was one."""

    async def allow(self, key: str) -> bool: ...


class SocketRegistry(Protocol):
    """The logged-in sockets of each user in every process: what the take-over and the auto rules count."""

    async def add(self, username: str, sid: str, ua_type: str | None) -> list[SocketEntry]:
        """Register a socket; the user's sockets everywhere afterwards (this one included)."""
    async def remove(self, username: str, sid: str) -> list[SocketEntry]:
        """Forget a socket; the user's sockets that remain."""
    async def of_user(self, username: str) -> list[SocketEntry]: ...


class SharedState(Protocol):
    """``app.extensions[SHARED_STATE]``. Every call of a shared implementation has a timeout; when the shared
    store does not answer, each process goes on with what it knows itself (as ``LocalState``)."""

    process: str  # this process's id, unique per start
    sockets: SocketRegistry

    def grants(self, timeout: float, unused_timeout: float) -> GrantStore: ...
    def limiter(self, name: str, limit: int, window: float, *, distinct: bool = False) -> Limiter: ...
    def rate_limiter(self, name: str, rate: float, burst: int) -> RateLimiter: ...

    async def publish(self, kind: str, data: dict) -> None:
        """Tell the *other* processes; their ``subscribe(kind, …)`` handlers get ``data``."""

    def subscribe(self, kind: str, handler: Handler) -> None:
        """``await handler(data)`` for each message of ``kind`` from another process; kind ``"resync"``
        (no data) when the link to the other processes is back after an outage: messages may have been lost."""

    def status(self) -> dict:
        """For /status: ``{"backend": …, "ok": bool, …}``."""


# -- in this process


class LocalGrants:
    """``Grants`` (bounded, in memory) behind the async GrantStore interface."""

    def __init__(self, grants: Grants):
        self.grants = grants

    async def add(self, login: str, token: str) -> None:
        self.grants.add(login, token)

    async def use(self, login: str, token: str) -> bool:
        return self.grants.use(login, token)

    async def revoke(self, login: str, token: str) -> bool:
        return self.grants.revoke(login, token)

    def forget(self, login: str, digest: str) -> None:
        self.grants.drop(login, digest)

    def purge(self) -> None:
        self.grants.purge()

    def size(self) -> int | None:
        return len(self.grants)


class LocalLimiter:
    """``FailureLimiter`` or ``SprayLimiter`` (bounded, in memory) behind the async Limiter interface."""

    def __init__(self, limiter: FailureLimiter | SprayLimiter):
        self.limiter = limiter

    async def retry_after(self, key: str) -> float:
        return self.limiter.retry_after(key)

    async def failed(self, key: str, member: str = "") -> None:
        if isinstance(self.limiter, SprayLimiter):
            self.limiter.failed(key, member)
        else:
            self.limiter.failed(key)

    async def reset(self, key: str) -> None:
        if isinstance(self.limiter, FailureLimiter):
            self.limiter.reset(key)
        else:
            self.limiter.forget(key)

    def purge(self) -> None:
        self.limiter.purge()


class LocalRateLimiter:
    """``TokenBuckets`` (bounded, in memory) behind the async RateLimiter interface."""

    def __init__(self, buckets: TokenBuckets):
        self.buckets = buckets

    async def allow(self, key: str) -> bool:
        return self.buckets.allow(key)


class LocalSockets:
    """The sockets of this process, by user."""

    def __init__(self, process: str):
        self.process = process
        self._by_user: dict[str, dict[str, SocketEntry]] = {}

    async def add(self, username: str, sid: str, ua_type: str | None) -> list[SocketEntry]:
        return self.add_now(username, sid, ua_type)

    async def remove(self, username: str, sid: str) -> list[SocketEntry]:
        return self.remove_now(username, sid)

    async def of_user(self, username: str) -> list[SocketEntry]:
        return self.of_user_now(username)

    def add_now(self, username: str, sid: str, ua_type: str | None) -> list[SocketEntry]:
        self._by_user.setdefault(username, {})[sid] = SocketEntry(sid, ua_type, self.process)
        return self.of_user_now(username)

    def remove_now(self, username: str, sid: str) -> list[SocketEntry]:
        of_user = self._by_user.get(username, {})
        of_user.pop(sid, None)
        if not of_user:
            self._by_user.pop(username, None)
        return self.of_user_now(username)

    def of_user_now(self, username: str) -> list[SocketEntry]:
        return list(self._by_user.get(username, {}).values())

    def items(self) -> list[tuple[str, SocketEntry]]:
        return [(username, entry) for username, entries in self._by_user.items() for entry in entries.values()]


class LocalState:
    """One process alone: everything in memory, no messages (there is no other process to tell)."""

    def __init__(self, process: str | None = None):
        self.process = process or uuid.uuid4().hex[:12]
        self.sockets = LocalSockets(self.process)

    def grants(self, timeout: float, unused_timeout: float, clock=None) -> LocalGrants:
        return LocalGrants(Grants(timeout, unused_timeout, *([clock] if clock else [])))

    def limiter(self, name: str, limit: int, window: float, *, distinct: bool = False, clock=None) -> LocalLimiter:
        kind = SprayLimiter if distinct else FailureLimiter
        return LocalLimiter(kind(limit, window, *([clock] if clock else [])))

    def rate_limiter(self, name: str, rate: float, burst: int, clock=None) -> LocalRateLimiter:
        return LocalRateLimiter(TokenBuckets(rate, burst, *([clock] if clock else [])))

    async def publish(self, kind: str, data: dict) -> None:
        return None

    def subscribe(self, kind: str, handler: Handler) -> None:
        return None

    def status(self) -> dict:
        return {"backend": "local", "ok": True}

