"""The middleware's coarse per-address limit on /api: a token bucket of ``rate`` requests/s, ``burst`` at once."""

from __future__ import annotations

import time
from collections import OrderedDict

from nethcti_auth.tokens import Clock


class AddressLimiter:
    """One bucket per client address; the ``max_keys`` most recently seen addresses are kept."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic, max_keys: int = 10_000):
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)

    def allow(self, address: str) -> bool:
        now = self.clock()
        tokens, at = self._buckets.pop(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        allowed = tokens >= 1
        self._buckets[address] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed
