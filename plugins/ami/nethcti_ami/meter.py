"""A cheap events-per-second meter: counts added in batches, per-second buckets over a short window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateMeter:
    def __init__(self, window: int = 10, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.clock = clock
        self.total = 0
        self._buckets: deque[list[int]] = deque()  # [second, count], oldest first

    def add(self, count: int) -> None:
        self.total += count
        second = int(self.clock())
        buckets = self._buckets
        if buckets and buckets[-1][0] == second:
            buckets[-1][1] += count
            return
        buckets.append([second, count])
        while buckets[0][0] <= second - self.window:
            buckets.popleft()

    def rate(self) -> float:
        """Events per second over the last ``window`` seconds."""
        oldest = int(self.clock()) - self.window
        return sum(count for second, count in self._buckets if second > oldest) / self.window
