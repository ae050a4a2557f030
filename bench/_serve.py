"""Serve nethcti from a conf.d for a benchmark, with a chosen ASGI server, event loop and JSON encoder.

    python bench/_serve.py --conf-dir DIR [--server hypercorn|uvicorn|uvicorn-h11] [--loop asyncio|uvloop]
                           [--json json|orjson]
                           [--emit direct|upstream] [--gc 700,10,10]

``hypercorn`` + ``asyncio`` + ``json`` + ``direct`` is exactly ``nethcti serve`` (nethcti.server.serve).
``uvicorn`` speaks HTTP with httptools and websockets with the websockets package; ``uvicorn-h11`` with h11 and
wsproto (pure Python, what hypercorn already pulls in).
``orjson`` replaces the encoder of socket.io packets and of Quart's JSON responses (same output: keys sorted,
as Quart's default). ``upstream`` puts back python-socketio's own AsyncManager (one task per recipient of an
emit) in place of nethcti.websocket.DirectEmitManager: the fan-out before the optimisation. ``--gc`` sets the
garbage collector's thresholds (gc.set_threshold; CPython's default is 700,10,10).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: F401  (the repo on sys.path)

from nethcti.server import build, serve

SERVERS = ("hypercorn", "uvicorn", "uvicorn-h11")
LOOPS = ("asyncio", "uvloop")
ENCODERS = ("json", "orjson")
EMITS = ("direct", "upstream")


def use_orjson(app) -> None:
    import engineio.packet
    import orjson
    import socketio.packet
    from quart.json.provider import DefaultJSONProvider

    options = orjson.OPT_NON_STR_KEYS

    class OrjsonPackets:
        """The ``json`` module python-socketio and python-engineio call: dumps/loads."""

        @staticmethod
        def dumps(obj, **_kwargs) -> str:
            return orjson.dumps(obj, option=options).decode()

        @staticmethod
        def loads(text, **_kwargs):
            return orjson.loads(text)

    class OrjsonProvider(DefaultJSONProvider):
        def dumps(self, obj, **_kwargs) -> str:
            return orjson.dumps(obj, default=self.default, option=options | orjson.OPT_SORT_KEYS).decode()

        def loads(self, text, **_kwargs):
            return orjson.loads(text)

    socketio.packet.Packet.json = engineio.packet.Packet.json = OrjsonPackets
    app.json = OrjsonProvider(app)


def use_upstream_manager(app) -> None:
    import socketio

    manager = socketio.AsyncManager()
    manager.set_server(app.sio)
    app.sio.manager = manager  # before serving: no socket, no room yet


def serve_uvicorn(app, loop: str, pure: bool) -> None:
    import uvicorn

    server = app.settings.server
    config = uvicorn.Config(app, host=server["host"], port=server["port"], loop=loop,
                            http="h11" if pure else "httptools", ws="wsproto" if pure else "websockets",
                            lifespan="on", log_config=None, access_log=False, log_level="warning",
                            timeout_graceful_shutdown=3)
    uvicorn.Server(config).run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf-dir", required=True, type=Path)
    parser.add_argument("--server", choices=SERVERS, default="hypercorn")
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    parser.add_argument("--json", choices=ENCODERS, default="json")
    parser.add_argument("--emit", choices=EMITS, default="direct")
    parser.add_argument("--gc", help="gen0,gen1,gen2 collection thresholds")
    args = parser.parse_args()
    if args.gc:
        gc.set_threshold(*(int(n) for n in args.gc.split(",")))
    app = build(args.conf_dir)
    if args.json == "orjson":
        use_orjson(app)
    if args.emit == "upstream":
        use_upstream_manager(app)
    if args.server.startswith("uvicorn"):
        serve_uvicorn(app, args.loop, pure=args.server == "uvicorn-h11")
    elif args.loop == "uvloop":
        import uvloop

        uvloop.run(serve(app))
    else:
        asyncio.run(serve(app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
