"""POST /webrest/astproxy/call round trips against the real demo Asterisk (sipp answers both phones)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from _common import free_port, percentile, print_table
from _confs import PASSWORD, extension, username, write_conf
from _demo import LoadDemoPBX
from _server import ServerProcess, tokens

from demopbx import asterisk_available

CALL = "/webrest/astproxy/call"


async def call_round_trips(count: int) -> None:
    """``count`` calls, one at a time: u00000 (20000) calls 20001; each is hung up before the next."""
    if not asterisk_available():
        print(f"\nPOST {CALL}: asterisk or sipp is not installed; not measured")
        return
    with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
        pbx = LoadDemoPBX(Path(tmp) / "pbx", 2)
        await asyncio.to_thread(pbx.start, 30)
        try:
            port = free_port()
            conf = write_conf(Path(tmp), ami_port=pbx.ami_port, users=2, http_port=port,
                              ami_username=pbx.ami_username, ami_secret=pbx.ami_secret)
            async with ServerProcess(conf, port) as server:
                user = username(0)
                headers = {"Authorization": f"{user}:{(await tokens(server.url, [user], PASSWORD))[user]}"}
                async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
                    await one_row(client, pbx, count)
        finally:
            await asyncio.to_thread(pbx.stop)


async def one_row(client: httpx.AsyncClient, pbx: LoadDemoPBX, count: int) -> None:
    body = {"number": extension(1)}
    probe = await client.post(CALL, json=body)
    await asyncio.to_thread(pbx.hangup_all)
    if probe.status_code != 200:
        print(f"\nPOST {CALL}: not measured: the route answered {probe.status_code} {probe.text[:200]}")
        return
    latencies, statuses = [], {}
    for _ in range(count):
        started = time.perf_counter()
        response = await client.post(CALL, json=body)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        await asyncio.to_thread(pbx.hangup_all)
    print_table(f"POST {CALL} on the demo Asterisk (originate, wait for the answer), one at a time", [
        "calls", "statuses", "p50 ms", "p99 ms", "max ms"], [[
        count, ",".join(f"{s}x{n}" for s, n in sorted(statuses.items())), percentile(latencies, 50),
        percentile(latencies, 99), max(latencies)]])
