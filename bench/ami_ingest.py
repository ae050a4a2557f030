"""AMI ingest: recorded call scenarios replayed as fast as nethcti reads them, through the model and socket.io.

    .venv/bin/python bench/ami_ingest.py [--loops 40]

A generator process (bench/_amigen.py) speaks AMI on loopback: banner, Login, the loader's list actions
(answered as recorded on the demo PBX), then every scenario of plugins/astproxy/tests/transcripts looped
``--loops`` times with fresh channel names and uniqueids. nethcti runs in this process (nethcti.testing),
so time.process_time() is its CPU alone. Also measured alone, in this process: nethcti's AMI parser next
to panoramisk's, and the model (Model.apply + Publisher.flush) without any plugin behind its hooks.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path

from _clients import ClientProcesses
from _common import print_header, print_table, ratio, wait_for
from _ingest import Generator, model_alone, parse_ours, parse_panoramisk, parsed
from _server import tokens
from _transcripts import Stream, load_scenarios
from nethcti_astproxy.testing import PASSWORDS, demo_conf
from nethcti_websocket.testing import served

from nethcti.server import GC_THRESHOLDS, build
from nethcti.testing import running_app

CPYTHON_GC = (700, 10, 10)  # before nethcti serve raised them
SETUPS = {
    "model": "ami, users, auth, astproxy",
    "websocket": "+ websocket, no client",
    "client": "+ websocket, 1 client logged in",
}


def extra_conf(setup: str, state: Path) -> str:
    text = f'[logging]\nenabled = true\nfile = "{state / "nethcti.log"}"\nstderr = false\n'
    return text + ("[websocket]\nenabled = true\n" if setup != "model" else "")


async def through_app(setup: str, loops: int, bursts: int, tmp: Path, gc_thresholds: tuple = GC_THRESHOLDS) -> dict:
    async with Generator() as gen:
        conf = demo_conf(tmp, gen.port, "nethcti", "secret", extra_conf(setup, tmp), queue_size=10_000_000)
        if setup != "client":
            async with running_app(conf) as app:
                return await measure(app, gen, loops, bursts, gc_thresholds)
        app = build(conf)
        async with served(app) as url:
            token = (await tokens(url, ["alice"], PASSWORDS["alice"]))["alice"]
            port = int(url.rsplit(":", 1)[1])
            async with ClientProcesses(port, [("alice", token)], 1, keys="none") as clients:
                result = await measure(app, gen, loops, bursts, gc_thresholds)
                await asyncio.sleep(0.2)  # the last socket writes
                result["client_messages"] = (await clients.report())["messages"]
                return result


async def measure(app, gen: Generator, loops: int, bursts: int, gc_thresholds: tuple = GC_THRESHOLDS) -> dict:
    """Stream ``loops`` loops in ``bursts`` bursts, each written once nethcti has handled the one before,
    with the garbage collector's thresholds at ``gc_thresholds`` meanwhile (nethcti serve's by default)."""
    service, ami = app.extensions["astproxy"], app.extensions["ami"]
    await wait_for(lambda: service.ready, "the PBX model", 30)
    await gen.prepare(loops)
    first_events, first_actions = ami.status()["events_total"], await gen.actions()
    default_thresholds = gc.get_threshold()
    gc.set_threshold(*gc_thresholds)
    cpu, started = time.process_time(), time.monotonic()
    events = calls = 0
    try:
        for burst in range(bursts):
            burst_events, burst_calls = await gen.stream(loops * (burst + 1) // bursts - loops * burst // bursts)
            events, calls = events + burst_events, calls + burst_calls
            target = first_events + events
            await wait_for(lambda target=target: drained(ami, target), "the events handled", 600, every=0.001)
        cpu, elapsed = time.process_time() - cpu, time.monotonic() - started
    finally:
        gc.set_threshold(*default_thresholds)
    actions = {name: n - first_actions.get(name, 0) for name, n in (await gen.actions()).items()
               if n != first_actions.get(name, 0)}
    return {
        "bursts": bursts, "events": events, "calls": calls, "rate": events / elapsed, "capacity": events / cpu,
        "cpu_10k": cpu / events * 10_000,
        "actions": sum(n for name, n in actions.items() if name != "Ping") / calls, "actions_seen": actions,
        "dropped": sum(s["dropped"] for s in ami.status()["subscribers"].values()),
        "stale": len(service.model.channels), "loads": service.loads, "client_messages": "-",
    }


def drained(ami, total: int) -> bool:
    """The AMI link has read ``total`` events and every subscriber has handled what it read."""
    status = ami.status()
    return status["events_total"] >= total and all(s["queued"] == 0 for s in status["subscribers"].values())


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=40, help="replays of all the scenarios (default 40)")
    args = parser.parse_args()
    if not 1 <= args.loops <= 2000:
        parser.error("1 <= loops <= 2000")
    stream = Stream(load_scenarios())
    print_header("AMI ingest", loops=args.loops, events_per_loop=stream.events_per_loop,
                 calls_per_loop=stream.calls_per_loop, scenarios=len(stream.scenarios))

    data = b"".join(stream.loop(i) for i in range(args.loops))
    ours, panoramisk = parse_ours(data), parse_panoramisk(data)
    messages = parsed(data)
    alone, signed = await model_alone(messages, listening=False), await model_alone(messages, listening=True)
    base = ours[0] / ours[1]
    print_table("parser and model alone (this process, no I/O)", ["what", "events", "events/s", "vs nethcti parser"], [
        ["nethcti_ami parser", ours[0], ours[0] / ours[1], "1.00x"],
        ["panoramisk parser", panoramisk[0], panoramisk[0] / panoramisk[1],
         f"{ratio(panoramisk[0] / panoramisk[1], base):.2f}x"],
        ["Model.apply + flush, no listener", alone[0], alone[0] / alone[1], f"{ratio(alone[0] / alone[1], base):.2f}x"],
        ["Model.apply + flush, signatures compared", signed[0], signed[0] / signed[1],
         f"{ratio(signed[0] / signed[1], base):.2f}x"],
    ])

    rows, results = [], {}
    every_loop, all_at_once = args.loops, 1
    runs = [(setup, every_loop, GC_THRESHOLDS) for setup in SETUPS]  # (setup, bursts, gc thresholds)
    runs += [("model", all_at_once, GC_THRESHOLDS), ("model", every_loop, CPYTHON_GC),
             ("client", every_loop, CPYTHON_GC)]
    for setup, bursts, thresholds in runs:
        with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
            r = results[setup, bursts, thresholds] = await through_app(setup, args.loops, bursts, Path(tmp),
                                                                        thresholds)
        base = results["model", every_loop, GC_THRESHOLDS]
        rows.append([SETUPS[setup], "one loop" if bursts == every_loop else "all at once",
                     ",".join(map(str, thresholds)), r["events"], r["rate"], r["cpu_10k"],
                     r["capacity"], f"{ratio(r['capacity'], base['capacity']):.2f}x", f"{r['actions']:.3f}",
                     r["dropped"], r["stale"], r["loads"], r["client_messages"]])
    print_table("ingest through the app (AMI socket -> model -> hooks -> socket.io)", [
        "setup", "burst", "gc thresholds", "events", "events/s", "CPU s per 10k events", "events per CPU s",
        "vs first row", "AMI actions per call", "dropped", "channels left", "loads", "messages at client"], rows)
    print("burst: the generator writes one loop of the scenarios, then the next once nethcti has handled it;"
          " or every loop at once (nethcti reads it all at once: a backlog of Messages in the model's queue)")
    seen = {str(r["actions_seen"]) for r in results.values() if r["actions_seen"]}
    print(f"actions received after the first load: {', '.join(seen) if seen else 'none, in every run'}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
