"""Metrics: what the metrics plugin costs. REST requests/s and server CPU per request with ``[metrics]`` off and on,
side by side in one run (rounds interleaved: off, on, off, on …), and the cost of one scrape of GET /metrics.

    .venv/bin/python bench/metrics.py [--extensions 1000] [--requests 2000] [--concurrency 16] [--rounds 3]
                                      [--sockets 200]

Each round starts both servers (bench/_serve.py, ``nethcti serve`` as shipped) against one fake AMI answering the
loader for ``--extensions`` endpoints; the load is aiohttp from this process. ``GET /astproxy/prefix`` (a tiny
body: the per-request cost of the request timer is largest there) and ``GET /astproxy/extensions`` are measured.
With ``--sockets`` logged-in socket.io clients on the metrics server, a scrape reads them all.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _clients import ClientProcesses
from _common import free_port, print_header, print_table, ratio
from _confs import PASSWORD, synthetic_answers, username, write_conf
from _fakepbx import LoadPBX
from _load import load
from _server import ServerProcess, tokens

ROUTES = {"prefix": "/webrest/astproxy/prefix", "extensions": "/webrest/astproxy/extensions"}
METRICS = "\n[metrics]\nenabled = true\n"
WARM_UP = 50
TIMER_CALLS = 100_000


async def timer_alone(calls: int = TIMER_CALLS) -> tuple[float, float]:
    """µs per request of an empty ASGI app called directly, and through the metrics plugin's request timer (its
    ASGI wrapper, the labels looked up, the counter and the histogram updated): the timer's cost, without noise
    from the rest of the machine."""
    from nethcti_metrics.requests import ROUTE, RequestMetrics, TimedASGI
    from prometheus_client import CollectorRegistry

    async def empty_app(scope, receive, send):
        scope[ROUTE] = "/astproxy/prefix"
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b""})

    async def discard(message):
        return None

    async def run(app) -> float:
        scope = {"type": "http", "method": "GET", "path": "/webrest/astproxy/prefix", "root_path": "/webrest"}
        started = time.perf_counter()
        for _ in range(calls):
            await app(dict(scope), None, discard)
        return (time.perf_counter() - started) / calls * 1e6

    timed = TimedASGI(empty_app, RequestMetrics(CollectorRegistry()))
    return await run(empty_app), await run(timed)


async def measure(server: ServerProcess, headers: dict, args) -> dict[str, dict]:
    results = {}
    for route, path in ROUTES.items():
        url = server.url + path
        await load(url, total=WARM_UP, concurrency=4, headers=headers)
        cpu = server.cpu_seconds()
        result = await load(url, total=args.requests, concurrency=args.concurrency, headers=headers)
        results[route] = {"rate": result.rate, "p50": result.ms(50), "p99": result.ms(99),
                          "cpu_ms": (server.cpu_seconds() - cpu) / args.requests * 1000, "statuses": result.statuses}
    return results


async def scrape_cost(server: ServerProcess, repeat: int = 20) -> dict:
    url = server.url + "/metrics"
    await load(url, total=3, concurrency=1)
    cpu, started = server.cpu_seconds(), time.perf_counter()
    result = await load(url, total=repeat, concurrency=1)
    return {"ms": (time.perf_counter() - started) / repeat * 1000, "cpu_ms": (server.cpu_seconds() - cpu) / repeat
            * 1000, "kib": result.body_bytes / 1024, "statuses": result.statuses}


async def one_round(args, workdir: Path, with_metrics: bool) -> tuple[dict, dict | None]:
    async with LoadPBX() as pbx:
        synthetic_answers(pbx, args.extensions)
        port = free_port()
        conf = write_conf(workdir, ami_port=pbx.port, users=args.extensions, http_port=port,
                          extra=METRICS if with_metrics else "")
        async with ServerProcess(conf, port, log=workdir / "server.err") as server:
            user = username(0)
            headers = {"Authorization": f"{user}:{(await tokens(server.url, [user], PASSWORD))[user]}"}
            results = await measure(server, headers, args)
            scrape = None
            if with_metrics and args.sockets:
                async with ClientProcesses(port, await server.logins(args.sockets), args.sockets) as clients:
                    scrape = await scrape_cost(server)
                    scrape["sockets"] = clients.ready
            elif with_metrics:
                scrape = {**await scrape_cost(server), "sockets": 0}
            return results, scrape


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000, help="per route, server and round (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sockets", type=int, default=200, help="socket.io clients during the scrape")
    args = parser.parse_args()
    if not (1 <= args.extensions <= 20000 and 1 <= args.requests <= 100_000 and 1 <= args.concurrency <= 256
            and 1 <= args.rounds <= 20 and 0 <= args.sockets <= 5000):
        parser.error("out of bounds: extensions <= 20000, requests <= 100000, concurrency <= 256, rounds <= 20, "
                     "sockets <= 5000")
    print_header("metrics", extensions=args.extensions, requests=args.requests, concurrency=args.concurrency,
                 rounds=args.rounds)
    runs: dict[bool, list[dict]] = {False: [], True: []}
    scrapes = []
    for _ in range(args.rounds):
        for with_metrics in (False, True):
            with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
                results, scrape = await one_round(args, Path(tmp), with_metrics)
            runs[with_metrics].append(results)
            if scrape:
                scrapes.append(scrape)
    rows = []
    for route, path in ROUTES.items():
        median = {on: {key: statistics.median(run[route][key] for run in runs[on]) for key in ("rate", "p50", "p99",
                                                                                                "cpu_ms")}
                  for on in (False, True)}
        for on in (False, True):
            statuses = ",".join(f"{s}x{n}" for s, n in sorted(sum((run[route]["statuses"] for run in runs[on]),
                                                                   start=type(runs[on][0][route]["statuses"])())
                                                               .items()))
            m = median[on]
            rows.append([f"GET {path.removeprefix('/webrest')}", "on" if on else "off", statuses, m["rate"], m["p50"],
                         m["p99"], m["cpu_ms"], f"{ratio(m['rate'], median[False]['rate']):.3f}x",
                         f"{ratio(m['cpu_ms'], median[False]['cpu_ms']):.3f}x"])
    print_table(f"REST with [metrics] off and on, {args.extensions} extensions, {args.concurrency} concurrent, "
                f"median of {args.rounds} rounds", ["route", "metrics", "statuses", "req/s", "p50 ms", "p99 ms",
                                                    "server CPU ms/req", "req/s vs off", "CPU vs off"], rows)
    bare, timed = await timer_alone()
    print_table(f"the request timer alone, in process, {TIMER_CALLS} requests", [
        "ASGI app", "µs per request"], [["empty app", bare], ["empty app + request timer", timed],
                                         ["the timer's cost", timed - bare]])
    print_table(f"one scrape of GET /metrics, {args.extensions} extensions", [
        "round", "sockets", "statuses", "ms", "server CPU ms", "body KiB"], [
        [n + 1, s["sockets"], ",".join(f"{k}x{v}" for k, v in s["statuses"].items()), s["ms"], s["cpu_ms"], s["kib"]]
        for n, s in enumerate(scrapes)])
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
