"""Soak: nethcti's memory and CPU over a long run of real calls, several server variants side by side.

    .venv/bin/python bench/soak.py [--minutes 60] [--rate 5] [--hold 3] [--pairs 50] [--clients 100]
                                   [--processes 1] [--sample 30] [--variants nethcti/gc-default,nethcti] [--csv PATH]

One demo Asterisk (demopbx, with ``2 x --pairs`` more phones answered by its sipp) gets ``rate x minutes x 60``
calls from a sipp caller, extension 2i calling 2i+1, each up ``--hold`` seconds. Every variant
(bench/_serve.py) runs at the same time, in its own process with its own conf.d and port, all following the
same Asterisk over AMI, each with ``--clients`` socket.io clients logged in: they see the same calls at the
same moments, so their ratios come from one run, whatever else the machine did meanwhile. Every ``--sample``
seconds each server's RSS and CPU are read (/proc). The question it answers: do the raised gc thresholds
(100000,50,1000) let memory grow over an hour where CPython's (700,10,10) do not?
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import sys
import tempfile
import time
from pathlib import Path

from _clients import ClientProcesses
from _common import free_port, print_header, print_table, ratio
from _confs import write_conf
from _demo import LoadDemoPBX, place_calls
from _server import CATCH_UP, ServerProcess, Variant

from demopbx import asterisk_available

# CPython's thresholds first: the CPU speed-up of the others is against it
VARIANTS = "nethcti/gc-default,nethcti"
EARLY_MARK = 600.0  # s: the "at 10 min" column (or a sixth of a shorter run)
CURVE_STEPS = 10  # rows of the RSS-over-time table: one per tenth of the run


async def soak(args, specs: list[str], workdir: Path, log=None) -> dict:
    """Every variant at once on one demo Asterisk: the timeline of samples, sipp's exit and each model's end state."""
    phones, variants = 2 * args.pairs, [Variant.parse(spec) for spec in specs]
    calling = args.minutes * 60
    total = round(args.rate * calling)
    async with contextlib.AsyncExitStack() as stack:
        pbx = LoadDemoPBX(workdir / "pbx", phones)
        stack.push_async_callback(asyncio.to_thread, pbx.stop)  # safe on a half-started PBX too
        await asyncio.to_thread(pbx.start, 30)
        servers, clients, logins = [], [], []
        for i, variant in enumerate(variants):  # one conf.d, state dir and port each, the same AMI for all
            port = free_port()
            conf = write_conf(workdir / f"v{i}", ami_port=pbx.ami_port, users=phones, http_port=port,
                              ami_username=pbx.ami_username, ami_secret=pbx.ami_secret)
            servers.append(await stack.enter_async_context(ServerProcess(conf, port, variant)))
        for server, variant in zip(servers, variants, strict=True):
            logins.append(await server.logins(min(args.clients, phones)))
            # keys="none": nothing kept per call in the clients, which would grow over an hour
            clients.append(await stack.enter_async_context(ClientProcesses(
                server.port, logins[-1], args.clients, args.processes, keys="none", deflate=variant.deflate)))

        started = time.monotonic()

        def sample() -> tuple[float, list[int], list[float]]:
            """(elapsed s, RSS KiB per server, CPU s per server), also written to the CSV (``log``) if any."""
            elapsed = time.monotonic() - started
            rss, cpu = [s.rss_kib() for s in servers], [s.cpu_seconds() for s in servers]
            if log is not None:
                log.writerows([spec, f"{elapsed:.1f}", kib, f"{sec:.3f}"]
                              for spec, kib, sec in zip(specs, rss, cpu, strict=True))
            return elapsed, rss, cpu

        timeline = [sample()]  # the clients logged in, no call yet
        sipp = place_calls(pbx, workdir, pairs=args.pairs, rate=args.rate, total=total,
                           hold_ms=round(args.hold * 1000))
        stack.callback(stop, sipp)  # never left calling after an error
        # sipp paces its calls by the clock; the margin covers set-up, the last calls' hold and a slow second
        deadline = started + calling + args.hold + 60 + 0.02 * calling
        next_at = started + args.sample
        while sipp.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"sipp still calling {deadline - started:.0f} s after the first call")
            if time.monotonic() >= next_at:
                timeline.append(sample())
                next_at += args.sample
            await asyncio.sleep(min(0.2, max(0.0, next_at - time.monotonic())))
        await wait_no_channel(pbx, 30)
        for server in servers:
            await server.drained()  # nethcti has handled every AMI event Asterisk sent
        for group in clients:
            await group.settled(timeout=CATCH_UP)  # and the clients have the last of them
        end = sample()  # every call over and handled: the CPU per call ends here
        models = [await server.model_state(login[0]) for server, login in zip(servers, logins, strict=True)]
    return {"timeline": timeline, "end": end, "sipp": sipp.returncode, "total": total, "calling": calling,
            "rate": args.rate, "models": models, "variants": variants}


def stop(process) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(5)


async def wait_no_channel(pbx: LoadDemoPBX, timeout: float) -> None:
    """Until Asterisk has no channel (bounded; each check is a CLI process, so twice a second)."""
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(pbx.channels):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: no channel left in Asterisk")
        await asyncio.sleep(0.5)


def nearest(timeline: list, at: float) -> tuple:
    return min(timeline, key=lambda s: abs(s[0] - at))


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x; NaN with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return float("nan")
    mx, my = sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def mib(kib: float) -> float:
    return kib / 1024


def report(result: dict, specs: list[str]) -> bool:
    """Print both tables; True if no model kept a channel or a conversation."""
    timeline, end, calling, total = result["timeline"], result["end"], result["calling"], result["total"]
    everything = [*timeline, end]
    # the samples nearest 10 min (a sixth of a shorter run) and half the calling, named by when they were taken
    early, half = nearest(timeline, min(EARLY_MARK, calling / 6)), nearest(timeline, calling / 2)
    second_half = [s for s in timeline if s[0] >= calling / 2]
    first_cpu = timeline[0][2]

    def when(elapsed: float) -> str:  # minutes for a real soak, seconds for a short try
        return f"{elapsed / 60:.1f} min" if calling >= 600 else f"{elapsed:.0f} s"

    cpu_per_call = [(end[2][i] - first_cpu[i]) / max(1, total) * 1000 for i in range(len(specs))]
    rows = []
    for i, (spec, variant, model) in enumerate(zip(specs, result["variants"], result["models"], strict=True)):
        growth = slope([(s[0] / 3600, mib(s[1][i])) for s in second_half])  # MiB per hour
        rows.append([spec, variant.name, mib(timeline[0][1][i]), mib(early[1][i]), mib(half[1][i]), mib(end[1][i]),
                     mib(max(s[1][i] for s in everything)),
                     growth, cpu_per_call[i], f"{ratio(cpu_per_call[0], cpu_per_call[i]):.2f}x",
                     f"{total} (exit {result['sipp']})", model["channels"], model["conversations"]])
    print_table(f"soak: {total} calls at {result['rate']:g}/s over {calling / 60:g} min, every variant at once", [
        "variant", "server", "RSS MiB logged in", f"RSS MiB at {when(early[0])}",
        f"RSS MiB at {when(half[0])} (half)",
        "RSS MiB at end", "RSS MiB max", "growth 2nd half MiB/h", "nethcti CPU ms/call", "CPU speed-up",
        "calls (sipp exit)", "model channels at end", "conversations at end"], rows)
    print(f"RSS: VmRSS of each server, logged in = with the clients connected before the first call, end = once every"
          f" call was over and handled; growth: least-squares slope of RSS over the samples of the second half of the"
          f" calling ({len(second_half)} samples); CPU ms/call: each server's CPU from the first call until its"
          f" clients were quiet, per call; speed-up: against {specs[0]} in the same run, higher is better;"
          f" sipp exit 0: every call answered and hung up as scripted")

    # the sample nearest each tenth of the calling (fewer rows when samples are sparser), then the end
    marks = sorted({min(range(len(timeline)), key=lambda j: abs(timeline[j][0] - calling * k / CURVE_STEPS))
                    for k in range(CURVE_STEPS + 1)})
    print_table("RSS over time (MiB)", ["at", *specs],
                [[when(timeline[j][0]) + (" (logged in)" if j == 0 else ""), *(mib(kib) for kib in timeline[j][1])]
                 for j in marks] + [[f"{when(end[0])} (end)", *(mib(kib) for kib in end[1])]])
    return all(m["channels"] == 0 and m["conversations"] == 0 for m in result["models"])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="minutes of calling (default 60)")
    parser.add_argument("--rate", type=float, default=5.0, help="calls per second (default 5)")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds each call stays up (default 3)")
    parser.add_argument("--pairs", type=int, default=50, help="caller/callee extension pairs (default 50)")
    parser.add_argument("--clients", type=int, default=100, help="socket.io clients per server (default 100)")
    parser.add_argument("--processes", type=int, default=1, help="client processes per server (default 1)")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between readings (default 30)")
    parser.add_argument("--variants", default=VARIANTS, help=f"server[/modifier…],… run at once (default {VARIANTS})")
    parser.add_argument("--csv", type=Path, help="write every reading here: variant,elapsed_s,rss_kib,cpu_s")
    args = parser.parse_args()
    specs = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not (0 < args.minutes <= 240 and 0 < args.rate <= 50 and 0 < args.hold <= 60 and 1 <= args.pairs <= 500
            and 1 <= args.clients <= 2000 and 1 <= args.processes <= 8 and 1 <= args.sample <= 600
            and 1 <= len(specs) <= 6 and round(args.rate * args.minutes * 60) >= 1):
        parser.error("out of bounds: minutes <= 240, rate <= 50, hold <= 60, pairs <= 500, clients <= 2000,"
                     " processes <= 8, 1 <= sample <= 600, 1-6 variants, at least one call")
    if args.rate * args.hold > args.pairs:  # sipp keeps at most --pairs calls up: it would fall behind the rate
        parser.error(f"rate x hold = {args.rate * args.hold:g} calls up at once: needs --pairs >= that")
    for spec in specs:
        try:
            Variant.parse(spec)
        except ValueError as error:
            parser.error(str(error))
    if not asterisk_available():
        print("soak: asterisk or sipp is not installed (scripts/pbx install); nothing measured")
        return 0
    print_header("soak: memory and CPU over a long run", minutes=args.minutes, rate=args.rate, hold=args.hold,
                 pairs=args.pairs, clients=args.clients, processes=args.processes, sample=args.sample)
    with contextlib.ExitStack() as files, tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
        log = None
        if args.csv is not None:  # written as the readings come, so an interrupted run keeps what it had
            out = files.enter_context(open(args.csv, "w", newline="", buffering=1))
            log = csv.writer(out)
            log.writerow(["variant", "elapsed_s", "rss_kib", "cpu_s"])
        result = await soak(args, specs, Path(tmp), log)
    return 0 if report(result, specs) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
