"""A bounded HTTP load: ``total`` requests, ``concurrency`` at a time (aiohttp); latencies and statuses."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from _common import percentile


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    body_bytes: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


async def load(url: str, *, total: int, concurrency: int, method: str = "GET", headers: dict | None = None,
               json_body: dict | None = None, timeout: float = 60) -> Load:
    result = Load()
    remaining = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as session:

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                async with session.request(method, url, json=json_body) as response:
                    body = await response.read()
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status] += 1
                result.body_bytes = len(body)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - started
    return result
