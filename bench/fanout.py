"""Fan-out: N logged-in socket.io clients; latency from an AMI event written to its extenUpdate at every client.

    .venv/bin/python bench/fanout.py [N ...] [--events 40] [--burst 1] [--variants hypercorn,uvicorn,...]
                                     [--processes 2]

The server (bench/_serve.py, i.e. `nethcti serve`, or the same app under another ASGI server / JSON encoder)
runs in its own process against a fake AMI in this one; the clients (bench/_wsclient.py) in ``--processes``
processes. Each event is a DeviceStateChange of a different extension (one extenUpdate to every client);
the next one is written once a sentinel client, which logged in last, has received the previous one and
the clients had a quiet moment to catch up, so each event is measured on an otherwise idle server.
``--burst K`` writes K events (K extensions) at once instead, as a call does (about 12 extenUpdates per
extension per call): the latency of each of them is measured the same way. ``--rest-probe``: meanwhile a REST
request (``GET /webrest/status``) every 10 ms, one at a time; its latency says whether the events hold REST up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _clients import ClientProcesses
from _common import free_port, percentile, print_header, print_table, ratio
from _confs import extension, synthetic_answers, write_conf
from _fakepbx import LoadPBX
from _reference import NodeReference
from _server import BEFORE, LOGIN_POOL, ServerProcess, Variant
from _wsclient import Clients

# nethcti serve before DirectEmitManager and before this bench picked its server and gc thresholds, as shipped,
# then one change at a time, and clients that ask for permessage-deflate as browsers do
VARIANTS = (f"{BEFORE}/upstream,{BEFORE},nethcti,nethcti/gc-default,hypercorn,uvicorn,nethcti/uvloop,"
            f"{BEFORE}/deflate,nethcti/deflate")
EVENT_TIMEOUT = 30.0


async def run_one(variant: Variant, count: int, events: int, burst: int, processes: int, workdir: Path,
                  debug: bool = False, rest_probe: bool = False) -> dict:
    users = LOGIN_POOL + burst + events
    async with LoadPBX() as pbx:
        synthetic_answers(pbx, users)
        port = free_port()
        conf = write_conf(workdir, ami_port=pbx.port, users=users, http_port=port)
        reference = variant.server == "node"
        async with NodeReference(pbx, port, workdir) if reference else ServerProcess(conf, port, variant) as server:
            logins = await server.logins(count)
            rss_before = server.rss_kib()
            async with ClientProcesses(port, logins, count, processes, deflate=variant.deflate) as clients:
                sentinel = Clients(port, logins[:1], 1, deflate=variant.deflate)
                await sentinel.connect()
                await asyncio.sleep(0.5)
                rss_after = server.rss_kib()
                await send_burst(pbx, sentinel, [extension(LOGIN_POOL + j) for j in range(burst)])  # warm-up
                cpu_before = server.cpu_seconds()
                sent = {}
                async with RestProbe(port, rest_probe and not reference) as probe:
                    for first in range(0, events, burst):
                        extens = [extension(LOGIN_POOL + burst + j) for j in range(first, min(events, first + burst))]
                        sent.update(await send_burst(pbx, sentinel, extens))
                cpu = server.cpu_seconds() - cpu_before
                report = await clients.report()
                sentinel.close()
    arrivals = {key: times for key, times in report["first"].items() if key in sent}
    if debug:
        for key, times in sorted(arrivals.items()):
            print(key, len(times), *(f"{(t - sent[key]) * 1000:.1f}" for t in (min(times), percentile(times, 50),
                                                                                 max(times))))
    latencies = [(t - sent[key]) * 1000 for key, times in arrivals.items() for t in times]
    last = [(max(times) - sent[key]) * 1000 for key, times in arrivals.items()]
    return {
        "variant": variant.name, "clients": clients.ready, "received": len(latencies), "expected": events * count,
        "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "last": percentile(last, 50),
        "rss_per_client": (rss_after - rss_before) / max(1, clients.ready), "rss_mib": rss_after / 1024,
        "cpu_per_event": cpu / events * 1000,
        "rest_p99": percentile(probe.latencies, 99) if probe.latencies else "-",
        "rest_max": max(probe.latencies) if probe.latencies else "-",
    }


class RestProbe:
    """``GET /webrest/status`` every 10 ms, one at a time, while the block runs (when ``enabled``); latencies in ms."""

    def __init__(self, port: int, enabled: bool):
        self.url, self.enabled = f"http://127.0.0.1:{port}/webrest/status", enabled
        self.latencies: list[float] = []
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> RestProbe:
        if self.enabled:
            self.task = asyncio.create_task(self.run())
        return self

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while True:
                start = time.monotonic()
                (await client.get(self.url)).raise_for_status()
                self.latencies.append((time.monotonic() - start) * 1000)
                await asyncio.sleep(0.01)

    async def __aexit__(self, *exc) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def send_burst(pbx: LoadPBX, sentinel: Clients, extens: list[str]) -> dict[str, float]:
    """A DeviceStateChange making each of ``extens`` busy, all at once; returns once the sentinel client has
    every extenUpdate and the clients had a quiet moment (3 times as long, at least 0.1 s).
    When each was written, by key."""
    sent = {}
    for exten in extens:
        sent[f"{exten}:busy"] = await pbx.push({"Event": "DeviceStateChange", "Privilege": "call,all",
                                                "Device": f"PJSIP/{exten}", "State": "INUSE"})
    start, deadline = min(sent.values()), time.monotonic() + EVENT_TIMEOUT
    while not all(key in sentinel.first for key in sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
    await asyncio.sleep(max(0.1, 3 * (time.monotonic() - start)))
    return sent


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[100, 1000], help="clients (default 100 1000)")
    parser.add_argument("--events", type=int, default=40, help="AMI events per run (default 40)")
    parser.add_argument("--burst", type=int, default=1, help="events written at once (default 1)")
    parser.add_argument("--variants", default=VARIANTS, help=f"server[/modifier…],… ({VARIANTS})")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--debug", action="store_true", help="print each event's first/median/last arrival")
    parser.add_argument("--rest-probe", action="store_true", help="time a REST request every 10 ms meanwhile")
    args = parser.parse_args()
    if not 1 <= args.events <= 1000 or not 1 <= args.burst <= 100 or not all(1 <= n <= 20000 for n in args.counts):
        parser.error("1 <= events <= 1000, 1 <= burst <= 100 and 1 <= N <= 20000")
    variants = [Variant.parse(v) for v in args.variants.split(",")]
    print_header("fan-out: AMI event -> extenUpdate at N socket.io clients", events=args.events, burst=args.burst,
                 client_processes=args.processes)
    rows = []
    for count in args.counts:
        results = []
        for variant in variants:
            with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
                results.append(await run_one(variant, count, args.events, args.burst, args.processes, Path(tmp),
                                             args.debug, args.rest_probe))
        base = results[0]
        for r in results:
            rows.append([count, r["variant"], f"{r['received']}/{r['expected']}", r["p50"], r["p99"], r["last"],
                         r["cpu_per_event"], r["rss_per_client"], r["rss_mib"],
                         f"{ratio(base['p50'], r['p50']):.2f}x",
                         f"{ratio(base['cpu_per_event'], r['cpu_per_event']):.2f}x",
                         *([r["rest_p99"], r["rest_max"]] if args.rest_probe else [])])
    print_table("fan-out latency (ms, AMI write -> client), server CPU and memory", [
        "N", "server", "received", "p50 ms", "p99 ms", "last client ms (median)", "CPU ms/event",
        "RSS KiB/client", "RSS MiB", "p50 speed-up", "CPU speed-up",
        *(["REST p99 ms", "REST max ms"] if args.rest_probe else [])], rows)
    print(f"speed-ups: against {base['variant']} in the same run, higher is better")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
