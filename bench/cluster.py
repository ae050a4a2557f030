"""Many processes, one service: socket.io clients spread over 1, 2, 4 … `nethcti serve` processes sharing a Redis,
while sipp places real calls through the demo Asterisk.

    .venv/bin/python bench/cluster.py [--clients 10000] [--servers 1,2,4] [--rate 10] [--duration 20] [--hold 2]

For each number of servers: a fresh demo Asterisk with ``2 x --pairs`` more phones (bench/_demo.py), that many
server processes (bench/_serve.py, as ``nethcti serve``; with more than one, ``[websocket] redis_url`` on a
private redis-server), each following the PBX over its own AMI link; ``--clients`` lean socket.io clients
(bench/_wsclient.py) split evenly between the servers, logged in with tokens all granted by the first server
(the others accept them through Redis). Reported: the servers' CPU per call and per message delivered, the
latency from Asterisk writing a channel's Newchannel to the first extenUpdate naming it at each client, the
servers' RSS per socket, and Redis's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from _clients import ClientProcesses
from _common import cpu_seconds, free_port, percentile, print_header, print_table, wait_for
from _confs import write_conf
from _demo import LoadDemoPBX, Tap, place_calls
from _server import CATCH_UP, ServerProcess
from nethcti_websocket.testing import PrivateRedis

from demopbx import asterisk_available


async def run(args, servers: int, workdir: Path) -> dict:
    phones = 2 * args.pairs
    pbx = LoadDemoPBX(workdir / "pbx", phones)
    await asyncio.to_thread(pbx.start, 30)
    redis = PrivateRedis(workdir) if servers > 1 else None
    try:
        async with AsyncExitStack() as stack:
            if redis is not None:
                await redis.start()
                stack.callback(redis.stop)
            processes = []
            for i in range(servers):
                port = free_port()
                conf = write_conf(workdir / f"server{i}", ami_port=pbx.ami_port, users=phones, http_port=port,
                                  ami_username=pbx.ami_username, ami_secret=pbx.ami_secret)
                if redis is not None:  # a drop-in of its own: 50-bench.toml has a [websocket] table already
                    (conf / "60-cluster.toml").write_text(f'[websocket]\nredis_url = "{redis.url}"\n')
                processes.append(await stack.enter_async_context(ServerProcess(conf, port)))
            logins = await processes[0].logins(min(args.clients, phones))
            rss_before = sum(p.rss_kib() for p in processes)
            groups = []
            for i, process in enumerate(processes):
                share = args.clients // servers + (i < args.clients % servers)
                groups.append(await stack.enter_async_context(ClientProcesses(
                    process.port, logins, share, max(1, args.client_processes // servers), keys="channels",
                    timeout=600)))
            ready = sum(g.ready for g in groups)
            rss_per_socket = (sum(p.rss_kib() for p in processes) - rss_before) / max(1, ready)
            tap = await Tap(lambda name: name.startswith("PJSIP/2")).connect(pbx)
            total = round(args.rate * args.duration)
            cpu_before = sum(p.cpu_seconds() for p in processes)
            redis_before = cpu_seconds(redis.process.pid) if redis else 0.0
            sipp = place_calls(pbx, workdir, pairs=args.pairs, rate=args.rate, total=total,
                               hold_ms=round(args.hold * 1000))
            await wait_for(lambda: sipp.poll() is not None, "sipp's calls", args.duration + args.hold + 60)
            await wait_for(lambda: not pbx.channels(), "no channel left in Asterisk", 30)
            for process in processes:
                await process.drained()
            for group in groups:
                await group.settled(timeout=CATCH_UP)
            server_cpu = sum(p.cpu_seconds() for p in processes) - cpu_before
            redis_cpu = cpu_seconds(redis.process.pid) - redis_before if redis else 0.0
            reports = [await g.report() for g in groups]
            tap.close()
    finally:
        await asyncio.to_thread(pbx.stop)

    messages = sum(r["messages"] for r in reports)
    seen: dict[str, list[float]] = {}
    for report in reports:
        for channel, arrivals in report["first"].items():
            seen.setdefault(channel, []).extend(arrivals)
    latencies = [(t - tap.created[ch]) * 1000 for ch, arrivals in seen.items() if ch in tap.created for t in arrivals]
    missing = [ch for ch in tap.created if len(seen.get(ch, ())) < ready]
    if missing:  # which servers' clients missed them, and how many of their clients
        for i, (group, report) in enumerate(zip(groups, reports, strict=True)):
            short = {ch: group.ready - len(report["first"].get(ch, ())) for ch in tap.created}
            print(f"server {i}: {sum(1 for n in short.values() if n)} channels missed by up to "
                  f"{max(short.values())} of its {group.ready} clients", file=sys.stderr)
    row = [servers, f"{sipp.returncode}", ready, len(tap.created), len(missing), round(messages / max(1, ready)),
           percentile(latencies, 50), percentile(latencies, 99), max(latencies, default=0),
           round(server_cpu / max(1, total) * 1000, 1), round(server_cpu / max(1, messages) * 1e6, 1),
           round(rss_per_socket, 1), round(redis_cpu * 1000)]
    return {"row": row, "ok": not missing and sipp.returncode == 0}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000, help="socket.io clients in all (default 10000)")
    parser.add_argument("--servers", default="1,2,4", help="numbers of server processes to compare (default 1,2,4)")
    parser.add_argument("--rate", type=float, default=10.0, help="calls per second (default 10)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of calling (default 20)")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each call stays up (default 2)")
    parser.add_argument("--pairs", type=int, default=50, help="caller/callee extension pairs (default 50)")
    parser.add_argument("--client-processes", type=int, default=4, help="client processes in all (default 4)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (the servers' logs)")
    args = parser.parse_args()
    try:
        counts = [int(n) for n in args.servers.split(",")]
    except ValueError:
        parser.error("--servers: numbers separated by commas, e.g. 1,2,4")
    if not (1 <= args.clients <= 20_000 and all(1 <= n <= 16 for n in counts) and 0 < args.rate <= 200
            and 0 < args.duration <= 600 and 0 < args.hold <= 60 and 1 <= args.pairs <= 500):
        parser.error("out of bounds: clients <= 20000, servers 1-16, rate <= 200, duration <= 600, hold <= 60, "
                     "pairs <= 500")
    if not asterisk_available():
        print("cluster: asterisk or sipp is not installed (scripts/pbx install); nothing measured")
        return 0
    if any(n > 1 for n in counts) and (missing := PrivateRedis.missing()):
        print(f"cluster: {missing}; nothing measured")
        return 0
    print_header("many processes, one service", clients=args.clients, servers=args.servers, rate=args.rate,
                 duration=args.duration, hold=args.hold, pairs=args.pairs)
    results = []
    for servers in counts:
        with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
            workdir = args.keep / f"servers-{servers}" if args.keep else Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            results.append(await run(args, servers, workdir))
            print(f"{servers} server(s): {time.monotonic() - started:.0f} s", file=sys.stderr)
    total = round(args.rate * args.duration)
    print_table(f"{args.clients} clients over 1-{max(counts)} processes: {total} calls at {args.rate:g}/s", [
        "servers", "sipp exit", "clients", "channels (AMI)", "channels missed by a client", "messages per client",
        "p50 ms", "p99 ms", "max ms", "servers CPU ms/call", "servers CPU µs/message", "servers RSS KiB/socket",
        "Redis CPU ms"], [r["row"] for r in results])
    print("latency: Asterisk writing a channel's Newchannel -> the first extenUpdate naming it, at each client; "
          "CPU: all server processes together, from the first call until the clients were quiet; RSS: the servers' "
          "growth from before the clients connected, per socket")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
