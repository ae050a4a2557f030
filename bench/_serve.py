"""Serve nethcti from a conf.d for a benchmark, with a chosen ASGI server, event loop, JSON encoder and gc.

    python bench/_serve.py --conf-dir DIR [--server nethcti|hypercorn|uvicorn] [--loop asyncio|uvloop]
                           [--json orjson|json] [--emit direct|upstream] [--ws direct|queued] [--gc 700,10,10]

``nethcti`` + ``asyncio`` + ``orjson`` + ``direct`` without ``--gc`` is exactly ``nethcti serve``
(nethcti.server.serve: uvicorn with h11 + wsproto, permessage-deflate off, gc thresholds
nethcti.server.GC_THRESHOLDS). ``hypercorn`` is the server ``nethcti serve`` used before (hypercorn 0.17+:
wsproto, permessage-deflate accepted); ``uvicorn`` is nethcti's server speaking HTTP with httptools and
websockets with the websockets package. ``json`` puts back Quart's own JSON provider (the standard library)
in place of nethcti.app.OrjsonProvider. ``upstream`` puts back python-socketio's own AsyncManager (one task
per recipient of an emit) in place of nethcti.websocket.DirectEmitManager. ``queued`` serves websockets with
uvicorn's own wsproto protocol: python-engineio's writer task per socket, not nethcti.wsdirect. ``--gc`` sets
other collector thresholds (CPython's default is 700,10,10). ``hypercorn/json --gc 700,10,10`` is ``nethcti
serve`` before the changes bench/README.md measured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: F401  (the repo on sys.path)

from nethcti.server import GC_THRESHOLDS, NethctiServer, bind, build, serve

SERVERS = ("nethcti", "hypercorn", "uvicorn")
LOOPS = ("asyncio", "uvloop")
ENCODERS = ("orjson", "json")
EMITS = ("direct", "upstream")
WEBSOCKETS = ("direct", "queued")


def use_stdlib_json(app) -> None:
    from quart.json.provider import DefaultJSONProvider

    app.json = DefaultJSONProvider(app)


def use_upstream_manager(app) -> None:
    import socketio

    manager = socketio.AsyncManager()
    manager.set_server(app.sio)
    app.sio.manager = manager  # before serving: no socket, no room yet


async def serve_hypercorn(app) -> None:
    """``nethcti serve`` as it was: hypercorn, stopped by SIGTERM through app.stopping."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    server = app.settings.server
    config = Config()
    config.bind = [f"{server['host']}:{server['port']}"]
    config.graceful_timeout = 3
    config.accesslog = config.errorlog = None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, app.stopping.set)
    await hypercorn_serve(app, config, shutdown_trigger=app.stopping.wait)


async def serve_uvicorn_httptools(app) -> None:
    """nethcti's server with uvicorn's C-accelerated protocols (httptools, websockets)."""
    server = NethctiServer(app)
    server.config.http, server.config.ws = "httptools", "websockets"
    await server.run_until_stopped(bind(app.settings.server["host"], app.settings.server["port"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf-dir", required=True, type=Path)
    parser.add_argument("--server", choices=SERVERS, default="nethcti")
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    parser.add_argument("--json", choices=ENCODERS, default="orjson")
    parser.add_argument("--emit", choices=EMITS, default="direct")
    parser.add_argument("--ws", choices=WEBSOCKETS, default="direct")
    parser.add_argument("--gc", help="gen0,gen1,gen2 collection thresholds (default: nethcti serve's)")
    args = parser.parse_args()
    thresholds = tuple(int(n) for n in args.gc.split(",")) if args.gc else GC_THRESHOLDS
    app = build(args.conf_dir)
    if args.json == "json":
        use_stdlib_json(app)
    if args.emit == "upstream":
        use_upstream_manager(app)
    if args.ws == "queued":
        NethctiServer.websocket_protocol = "wsproto"
    if args.server == "nethcti":
        main_coroutine = serve(app, thresholds)
    else:
        gc.set_threshold(*thresholds)
        main_coroutine = (serve_hypercorn if args.server == "hypercorn" else serve_uvicorn_httptools)(app)
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(main_coroutine)
    else:
        asyncio.run(main_coroutine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
