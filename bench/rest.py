"""REST: requests/s and latency of GET /webrest/astproxy/extensions with 1000 extensions, per ASGI server and
JSON encoder; then POST /webrest/astproxy/call round trips on the real demo Asterisk (bench/_calls.py).

    .venv/bin/python bench/rest.py [--extensions 1000] [--requests 400] [--concurrency 16] [--variants …]
                                   [--calls 20 | --calls 0]

The server runs in its own process (bench/_serve.py) against a fake AMI in this one that answers the
loader for ``--extensions`` PJSIP endpoints (one user each); the load comes from aiohttp in this process.
``GET /webrest/astproxy/prefix`` (a tiny body) is measured too: the server's cost per request without the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from _calls import call_round_trips
from _common import free_port, print_header, print_table, ratio
from _confs import PASSWORD, synthetic_answers, username, write_conf
from _fakepbx import LoadPBX
from _load import load
from _server import BEFORE, ServerProcess, Variant, tokens

# nethcti serve before bench/ picked its server, encoder and gc thresholds; as shipped; one change at a time
VARIANTS = f"{BEFORE},nethcti,nethcti/json,nethcti/gc-default,hypercorn,uvicorn"
ROUTES = {"extensions": "/webrest/astproxy/extensions", "prefix": "/webrest/astproxy/prefix"}
WARM_UP = 20


async def run_variant(variant: Variant, args, workdir: Path) -> dict[str, dict]:
    async with LoadPBX() as pbx:
        synthetic_answers(pbx, args.extensions)
        port = free_port()
        conf = write_conf(workdir, ami_port=pbx.port, users=args.extensions, http_port=port)
        async with ServerProcess(conf, port, variant) as server:
            user = username(0)
            headers = {"Authorization": f"{user}:{(await tokens(server.url, [user], PASSWORD))[user]}"}
            results = {}
            for route, path in ROUTES.items():
                url = server.url + path
                await load(url, total=WARM_UP, concurrency=4, headers=headers)
                cpu = server.cpu_seconds()
                result = await load(url, total=args.requests, concurrency=args.concurrency, headers=headers)
                results[route] = {"load": result, "cpu_ms": (server.cpu_seconds() - cpu) / args.requests * 1000}
            return results


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400, help="per route and server (default 400)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--variants", default=VARIANTS, help=f"server[/modifier…],… ({VARIANTS})")
    parser.add_argument("--calls", type=int, default=20, help="POST /astproxy/call round trips (0: none)")
    args = parser.parse_args()
    if not (1 <= args.extensions <= 20000 and 1 <= args.requests <= 100_000 and 1 <= args.concurrency <= 256
            and 0 <= args.calls <= 1000):
        parser.error("out of bounds: 1 <= extensions <= 20000, requests <= 100000, concurrency <= 256, calls <= 1000")
    print_header("REST", extensions=args.extensions, requests=args.requests, concurrency=args.concurrency)
    variants = [Variant.parse(v) for v in args.variants.split(",")]
    measured = {}
    for variant in variants:
        with tempfile.TemporaryDirectory(prefix="nethcti-bench-") as tmp:
            measured[variant.name] = await run_variant(variant, args, Path(tmp))
    rows = []
    for route in ROUTES:
        base_name = variants[0].name
        base = measured[base_name][route]
        for variant in variants:
            r = measured[variant.name][route]
            res = r["load"]
            statuses = ",".join(f"{s}x{n}" for s, n in sorted(res.statuses.items()))
            rows.append([f"GET {ROUTES[route].removeprefix('/webrest')}", variant.name, statuses, res.rate,
                         res.ms(50), res.ms(99), r["cpu_ms"], f"{res.body_bytes / 1024:.1f}",
                         f"{ratio(res.rate, base['load'].rate):.2f}x", f"{ratio(base['cpu_ms'], r['cpu_ms']):.2f}x"])
    print_table(f"REST, {args.extensions} extensions, {args.concurrency} concurrent", [
        "route", "server", "statuses", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "body KiB",
        "req/s ratio", "CPU speed-up"], rows)
    print(f"ratios: against {base_name} in the same run, higher is better")
    if args.calls:
        await call_round_trips(args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
