"""Failed-login counting in a sliding window, per key (a login, a client address), with bounded memory."""

from __future__ import annotations

import time
from collections import OrderedDict, deque

from nethcti_auth.tokens import Clock


class FailureLimiter:
    """At most ``limit`` failures per ``window`` seconds per key; the ``max_keys`` most recent keys are kept."""

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
