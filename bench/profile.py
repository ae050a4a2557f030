"""Profile a benchmark with py-spy: where the server (or the benchmark process itself) spends its CPU.

    .venv/bin/python bench/profile.py [--target server|bench] [--delay 6] [--seconds 8] -- bench/fanout.py 1000 …

Runs the benchmark, waits ``--delay`` s (start-up, logins), samples ``--target`` for ``--seconds`` s
(``server``: the bench/_serve.py process; ``bench``: the benchmark's own process, where ami_ingest runs
nethcti), lets the benchmark finish (give it enough work to outlast the sampling), then prints the
functions with the most samples (of the thread holding the GIL), inclusive and on their own (self).
py-spy: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import REPO

TOP = 30


def find_server(parent: int, timeout: float = 30) -> int:
    """The pid of the bench/_serve.py child of ``parent``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                ppid = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError):
                continue
            if ppid == parent and any(arg.endswith(b"_serve.py") for arg in cmdline):
                return int(proc.name)
        time.sleep(0.2)
    raise TimeoutError("no bench/_serve.py process")


def summary(raw: Path) -> tuple[int, Counter, Counter]:
    """py-spy's raw output (``frame;frame;… count``) -> (samples, inclusive, self) by ``function (file)``."""
    inclusive, own, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [_name(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += n
        own[frames[-1]] += n
    return total, inclusive, own


def _name(frame: str) -> str:
    function, _, where = frame.partition(" (")
    return f"{function} ({where.split(':')[0].rsplit('/', 1)[-1]})" if where else function


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("server", "bench"), default="server")
    parser.add_argument("--delay", type=float, default=6.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- bench/<script>.py [args]")
    args = parser.parse_args()
    command = [c for c in args.command if c != "--"]
    if not command or not 0 < args.seconds <= 120 or not 0 <= args.delay <= 300:
        parser.error("a benchmark command after --; 0 < seconds <= 120, delay <= 300")
    bench = subprocess.Popen([sys.executable, *command], cwd=REPO, stdout=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        pid = find_server(bench.pid) if args.target == "server" else bench.pid
        time.sleep(args.delay)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "profile.txt"
            subprocess.run([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-d",
                            str(round(args.seconds)), "-r", "250", "--gil", "-f", "raw", "-o", str(raw)], check=True,
                           capture_output=True, timeout=args.seconds + 30)
            total, inclusive, own = summary(raw)
        bench.wait(600)
    finally:
        if bench.poll() is None:  # the benchmark and the processes it started: its own session
            os.killpg(bench.pid, signal.SIGTERM)
            bench.wait(30)
    print(f"# py-spy: {' '.join(command)} ({args.target}, {total} samples)")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n## {title}\n")
        for name, n in counter.most_common(TOP):
            print(f"{n / total * 100:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
