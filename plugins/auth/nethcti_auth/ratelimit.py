"""Failed-login counting in a sliding window, per key (a user, a user at an address, an address), and a request
rate per key (a client address) as token buckets; bounded memory."""

from __future__ import annotations

import time
from collections import OrderedDict, deque

from nethcti_auth.tokens import Clock


class FailureLimiter:
    """At most ``limit`` failures per ``window`` seconds per key; the ``max_keys`` most recent keys are kept.

    A login attempt is counted *before* its password is checked (``failed``) and taken back when it succeeds
    (``reset``), so concurrent attempts cannot all pass the limit while their checks are running.
    """

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic, max_keys: int = 10_000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        failures = self._failures.get(key)
        if failures is None:
            return 0.0
        now = self.clock()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0.0
        return failures[0] + self.window - now if len(failures) >= self.limit else 0.0

    def failed(self, key: str) -> None:
        failures = self._failures.setdefault(key, deque(maxlen=self.limit))
        failures.append(self.clock())
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def purge(self) -> None:
        for key in list(self._failures):
            self.retry_after(key)


class SprayLimiter:
    """At most ``limit`` *different* logins failing per ``window`` seconds from one key (a client address).

    Many failures of one login from an address are that login's business (FailureLimiter); many logins
    failing from one address is password spraying, and only then is the whole address stopped, so one
    person's typos cannot lock out an office behind one NAT.
    """

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic, max_keys: int = 10_000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._logins: OrderedDict[str, OrderedDict[str, float]] = OrderedDict()

    def retry_after(self, key: str) -> float:
        logins = self._logins.get(key)
        if logins is None:
            return 0.0
        now = self.clock()
        while logins and next(iter(logins.values())) <= now - self.window:
            logins.popitem(last=False)
        if not logins:
            del self._logins[key]
            return 0.0
        return next(iter(logins.values())) + self.window - now if len(logins) >= self.limit else 0.0

    def failed(self, key: str, login: str) -> None:
        logins = self._logins.setdefault(key, OrderedDict())
        logins.pop(login, None)
        logins[login] = self.clock()
        while len(logins) > self.limit:
            logins.popitem(last=False)
        self._logins.move_to_end(key)
        while len(self._logins) > self.max_keys:
            self._logins.popitem(last=False)

    def forget(self, key: str) -> None:
        self._logins.pop(key, None)

    def purge(self) -> None:
        for key in list(self._logins):
            self.retry_after(key)


class TokenBuckets:
    """At most ``rate`` requests per second per key, ``burst`` at once: a token bucket per key; the ``max_keys``
    most recently seen keys are kept (a forgotten key starts full, as a key not seen for ``burst / rate`` s)."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic, max_keys: int = 10_000):
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def allow(self, key: str) -> bool:
        """Take a token from ``key``'s bucket: False when it is empty."""
        now = self.clock()
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed
