"""Real calls: sipp places calls at a steady rate through the real demo Asterisk while socket.io clients listen.

    .venv/bin/python bench/real_calls.py [--rate 20] [--duration 60] [--hold 3] [--clients 200] [--variants nethcti]

Asterisk (demopbx, with ``2 x --pairs`` more phones answered by its sipp) gets ``rate x duration`` calls from a
sipp caller, extension 2i calling 2i+1, each up ``--hold`` seconds. nethcti (bench/_serve.py) follows it over
AMI; ``--clients`` socket.io clients are logged in. Reported: nethcti's CPU, the latency from Asterisk writing
a channel's Newchannel (seen by a separate AMI session) to the first extenUpdate showing it at every client,
and that every call appeared at the clients and was gone from the model at the end, as from Asterisk, once
nethcti had caught up (``catch-up``: how long after Asterisk's last hang-up nethcti had handled every AMI event
and the clients had the last update; about 0 when it keeps up).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _clients import ClientProcesses
from _common import cpu_seconds, free_port, percentile, print_header, print_table, wait_for
from _confs import write_conf
from _demo import LoadDemoPBX, Tap, place_calls
from _server import CATCH_UP, ServerProcess, Variant

from demopbx import asterisk_available


async def run(args, variant: Variant, workdir: Path) -> dict:
    """One run on a fresh demo Asterisk: the row of the table, and whether nothing was lost or left."""
    phones = 2 * args.pairs
    pbx = LoadDemoPBX(workdir / "pbx", phones)
    await asyncio.to_thread(pbx.start, 30)
    try:
        port = free_port()
        conf = write_conf(workdir, ami_port=pbx.ami_port, users=phones, http_port=port,
                          ami_username=pbx.ami_username, ami_secret=pbx.ami_secret)
        async with ServerProcess(conf, port, variant) as server:
            logins = await server.logins(min(args.clients, phones))
            async with ClientProcesses(port, logins, args.clients, args.processes, keys="channels") as clients:
                tap = await Tap(lambda name: name.startswith("PJSIP/2")).connect(pbx)
                total = round(args.rate * args.duration)
                server_cpu, pbx_cpu, started = server.cpu_seconds(), cpu_seconds(pbx.pid), time.monotonic()
                clients_cpu = clients.cpu_seconds()
                sipp = place_calls(pbx, workdir, pairs=args.pairs, rate=args.rate, total=total,
                                   hold_ms=round(args.hold * 1000))
                await wait_for(lambda: sipp.poll() is not None, "sipp's calls", args.duration + args.hold + 60)
                calling_cpu, calling = server.cpu_seconds() - server_cpu, time.monotonic() - started
                await wait_for(lambda: not pbx.channels(), "no channel left in Asterisk", 30)
                asterisk_done = time.monotonic()
                await server.drained()  # nethcti has handled every AMI event Asterisk sent
                await clients.settled(timeout=CATCH_UP)  # and the clients have the last of them
                elapsed = time.monotonic() - started
                catch_up = max(0.0, time.monotonic() - asterisk_done - 1.0)  # minus the quiet second
                server_cpu, pbx_cpu = server.cpu_seconds() - server_cpu, cpu_seconds(pbx.pid) - pbx_cpu
                clients_cpu = clients.cpu_seconds() - clients_cpu
                report = await clients.report()
                tap.close()
                model = await server.model_state(logins[0])
                core = await asyncio.to_thread(pbx.cli, "core show channels count")
    finally:
        await asyncio.to_thread(pbx.stop)

    seen = report["first"]
    latencies = [(t - tap.created[ch]) * 1000 for ch, arrivals in seen.items() if ch in tap.created for t in arrivals]
    missing = [ch for ch in tap.created if len(seen.get(ch, ())) < clients.ready]
    row = [
        variant.name, f"{sipp.returncode}", clients.ready, len(tap.created), len(missing), catch_up,
        round(report["messages"] / max(1, clients.ready)), percentile(latencies, 50), percentile(latencies, 99),
        max(latencies, default=0), f"{calling_cpu / calling * 100:.0f}%", f"{server_cpu / max(1, total) * 1000:.1f}",
        f"{pbx_cpu / elapsed * 100:.0f}%", f"{clients_cpu / elapsed * 100:.0f}%", model["channels"],
        model["conversations"], core_channels(core),
    ]
    return {"row": row, "ok": not missing and model["channels"] == 0 and model["conversations"] == 0}


def core_channels(output: str) -> str:
    """``N active channels`` from ``core show channels count``."""
    return next((line.split()[0] for line in output.splitlines() if "active channel" in line), output.strip()[:40])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="calls per second (default 20)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of calling (default 60)")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds each call stays up (default 3)")
    parser.add_argument("--pairs", type=int, default=100, help="caller/callee extension pairs (default 100)")
    parser.add_argument("--clients", type=int, default=200, help="socket.io clients (default 200)")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--variants", default="nethcti", help="server[/modifier…],… (default nethcti: as shipped)")
    args = parser.parse_args()
    if not (0 < args.rate <= 200 and 0 < args.duration <= 600 and 0 < args.hold <= 60 and 1 <= args.pairs <= 500
            and 1 <= args.clients <= 5000):
        parser.error("out of bounds: rate <= 200, duration <= 600, hold <= 60, pairs <= 500, clients <= 5000")
    if not asterisk_available():
        print("real_calls: asterisk or sipp is not installed (scripts/pbx install); nothing measured")
        return 0
    print_header("real calls through the demo Asterisk", rate=args.rate, duration=args.duration, hold=args.hold,
                 pairs=args.pairs, clients=args.clients)
    results = []
    for variant in (Variant.parse(v) for v in args.variants.split(",")):
        with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
            results.append(await run(args, variant, Path(tmp)))
    total = round(args.rate * args.duration)
    print_table(f"real calls: {total} calls at {args.rate:g}/s, {args.hold:g} s each, {args.clients} clients", [
        "server", "sipp exit", "clients", "channels (AMI)", "channels missed by a client", "catch-up s",
        "messages per client",
        "p50 ms", "p99 ms", "max ms", "nethcti CPU while calling", "nethcti CPU ms/call", "Asterisk CPU",
        "clients CPU",
        "model channels at end", "conversations at end", "Asterisk channels at end"], [r["row"] for r in results])
    print("latency: Asterisk writing a channel's Newchannel -> the first extenUpdate naming it, at each client;"
          " CPU: share of one core, while sipp was calling for nethcti, over the whole run for Asterisk and the"
          " clients; CPU ms/call: all of nethcti's CPU from the first call until the clients were quiet")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
