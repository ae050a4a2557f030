"""Many logged-in socket.io clients spread over a few processes (bench/_wsclient.py), driven from the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time

from _common import BENCH, cpu_seconds


class ClientProcesses:
    """``async with ClientProcesses(port, logins, count, processes) as clients``: ``clients.ready`` logged in."""

    def __init__(self, port: int, logins: list[tuple[str, str]], count: int, processes: int = 1, keys: str = "status",
                 timeout: float = 120, deflate: bool = False):
        self.port, self.logins, self.count, self.keys, self.timeout = port, logins, count, keys, timeout
        self.deflate = deflate
        self.processes = max(1, min(processes, count))
        self.procs: list[asyncio.subprocess.Process] = []
        self.ready = 0

    async def __aenter__(self) -> ClientProcesses:
        share, extra = divmod(self.count, self.processes)
        try:
            for i in range(self.processes):
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, str(BENCH / "_wsclient.py"), stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE, limit=2**28)
                self.procs.append(proc)
                config = {"port": self.port, "logins": self.logins, "count": share + (i < extra), "keys": self.keys,
                          "deflate": self.deflate}
                proc.stdin.write(json.dumps(config).encode() + b"\n")
                await proc.stdin.drain()
            for proc in self.procs:
                line = await asyncio.wait_for(proc.stdout.readline(), self.timeout)
                if not line.startswith(b"ready "):
                    raise RuntimeError(f"client process: {line[:200]!r}")
                self.ready += int(line.split()[1])
        except BaseException:
            await self.__aexit__()
            raise
        return self

    def cpu_seconds(self) -> float:
        """CPU the client processes have used so far."""
        return sum(cpu_seconds(proc.pid) for proc in self.procs)

    async def messages(self) -> int:
        """Messages received so far by every socket."""
        for proc in self.procs:
            proc.stdin.write(b"count\n")
            await proc.stdin.drain()
        return sum([int(await asyncio.wait_for(proc.stdout.readline(), self.timeout)) for proc in self.procs])

    async def settled(self, quiet: float = 1.0, timeout: float = 60.0) -> None:
        """Until no socket has received anything for ``quiet`` seconds (at most ``timeout``)."""
        deadline, last = time.monotonic() + timeout, -1
        while time.monotonic() < deadline:
            count = await self.messages()
            if count == last:
                return
            last = count
            await asyncio.sleep(quiet)

    async def report(self) -> dict:
        """Every process's arrivals merged: ``first`` {key: [arrivals]}, ``messages``, ``bytes``."""
        merged: dict = {"first": {}, "messages": 0, "bytes": 0}
        for proc in self.procs:
            proc.stdin.write(b"report\n")
            await proc.stdin.drain()
        for proc in self.procs:
            data = json.loads(await asyncio.wait_for(proc.stdout.readline(), self.timeout))
            for key, arrivals in data["first"].items():
                merged["first"].setdefault(key, []).extend(arrivals)
            merged["messages"] += data["messages"]
            merged["bytes"] += data["bytes"]
        return merged

    async def __aexit__(self, *exc) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, BrokenPipeError, ConnectionResetError):
                    proc.stdin.close()
                try:
                    await asyncio.wait_for(proc.wait(), 5)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
        self.procs = []
