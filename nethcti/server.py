"""Bootstrap (conf.d -> plugins -> validated settings) and serving the app with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import uvicorn
from loguru import logger

from nethcti.app import NethctiApp, create_app
from nethcti.config import ServerSchema, Settings, read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti.plugins import BUILTIN_PLUGINS, PluginManager, load_plugins
from nethcti.wsdirect import DirectWSProtocol

PID_FILE = "nethcti.pid"
# The collector's thresholds while serving. CPython's 700,10,10 run a full collection of a heap holding every
# socket's objects at nearly every event sent to thousands of sockets: 2x the CPU per event and a 5x longer p99
# at 5000 sockets. With these, memory did not grow over 40 minutes of calls (bench/README.md, sections 2 and 5).
GC_THRESHOLDS = (100_000, 50, 1000)


def bootstrap(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> tuple[Settings, PluginManager]:
    """Read conf.d, load the plugins it enables and validate every section; StartupError on any problem."""
    quiet_default_sink()
    raw = read_conf_dir(conf_dir)
    server, _ = validate_section(raw, "server", ServerSchema)
    pm = load_plugins(raw, extra_plugins)
    settings = Settings(raw, server)
    schemas = dict(pm.call_each("register_config_schema"))
    for name in pm.order:
        if name not in BUILTIN_PLUGINS:
            settings.sections[name], settings.schemas[name] = validate_section(raw, name, schemas.get(name))
    return settings, pm


def quiet_default_sink() -> None:
    """loguru's own stderr sink prints local variables' values in tracebacks (``diagnose``), where a password
    may be; until the logging plugin installs its sinks (or when it is not enabled), log without them."""
    try:
        logger.remove(0)  # the default sink's id; gone once anything reconfigured loguru
    except ValueError:
        return
    logger.add(sys.stderr, diagnose=False)


def build(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> NethctiApp:
    settings, pm = bootstrap(conf_dir, extra_plugins)
    return create_app(settings, pm)


async def reload(app: NethctiApp) -> None:
    logger.info("reloading")
    await app.pm.acall_each("reload", isolate=True, app=app)


class NethctiServer(uvicorn.Server):
    """uvicorn (h11 + wsproto; websockets written to directly, nethcti.wsdirect) serving a nethcti app, stopping
    when ``app.stopping`` is set.

    With ``handle_signals``, SIGTERM/SIGINT set ``app.stopping`` (a second one stops waiting for connections)
    and SIGHUP reloads; uvicorn's own handlers would re-raise the signal at exit and kill the process
    before the pid file is gone. uvicorn was chosen over hypercorn by bench/ (bench/README.md).
    """

    # uvicorn's websocket protocol; "wsproto" is uvicorn's own, without direct frames (bench/: before and after)
    websocket_protocol: type | str = DirectWSProtocol

    def __init__(self, app: NethctiApp, *, handle_signals: bool = True, graceful_timeout: float = 3,
                 lifespan: bool = True):
        super().__init__(uvicorn.Config(
            # lifespan False: the app's start-up and shutdown are run by someone else (nethcti.testing.running_app)
            app, http="h11", ws=self.websocket_protocol, lifespan="on" if lifespan else "off", log_config=None,
            # not left unset: under the root logger's level 0 (the logging plugin) uvicorn would wrap the app
            # in its MessageLoggerMiddleware and log every ASGI message at TRACE (2x the CPU per event)
            log_level="info",
            access_log=False,  # the logging plugin writes one line per request itself
            ws_per_message_deflate=False,  # a zlib context per socket: 3x the memory, 1.1-1.7x the CPU per event
            ws_ping_interval=None,  # Engine.IO's own heartbeat (every 25 s) already finds dead peers
            timeout_graceful_shutdown=graceful_timeout,
        ))
        self.app, self.handle_signals = app, handle_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if not self.handle_signals:
            yield
            return
        loop = asyncio.get_running_loop()
        handlers = {signal.SIGTERM: self.stop, signal.SIGINT: self.stop,
                    signal.SIGHUP: lambda: self.app.spawn(reload(self.app), "reload")}
        for signum, handler in handlers.items():
            loop.add_signal_handler(signum, handler)
        try:
            yield
        finally:
            for signum in handlers:
                loop.remove_signal_handler(signum)

    def stop(self) -> None:
        # set before the connections close: plugins tell a shutdown from users leaving
        self.force_exit = self.app.stopping.is_set()
        self.app.stopping.set()

    async def on_tick(self, counter: int) -> bool:
        return self.app.stopping.is_set() or await super().on_tick(counter)

    async def run_until_stopped(self, sock: socket.socket) -> None:
        """Serve on ``sock``; StartupError with the plugin's message when start-up fails."""
        with contextlib.suppress(SystemExit):  # uvicorn's answer to a failed lifespan start-up
            await self.serve(sockets=[sock])
        if not self.started:
            failure = self.app.startup_failure
            raise StartupError(str(failure) if failure else "start-up failed (see the log)")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before any plugin starts: a busy port is a clear StartupError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say so, and without it a
    # response written in two parts waits for the client's delayed ACK (40 ms per request)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)
    except OSError as exc:
        sock.close()
        raise StartupError(f"[server] cannot listen on {host} port {port}: {exc.strerror.lower()}") from None
    return sock


async def serve(app: NethctiApp, gc_thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully; SIGHUP reloads."""
    gc.set_threshold(*gc_thresholds)
    server = app.settings.server
    sock = bind(server["host"], server["port"])
    pid_file = _write_pid_file(runtime_dir(server))
    logger.info("listening on {}:{}", server["host"], server["port"])
    try:
        await NethctiServer(app).run_until_stopped(sock)
    finally:
        sock.close()
        _remove_pid_file(pid_file)
        logger.info("stopped")


def runtime_dir(server: dict) -> Path:
    """This process's own directory (pid file): ``[server] runtime_dir``, else ``<state_dir>/run/<port>``, so
    processes sharing a conf.d but for the port never touch each other's files."""
    return Path(server.get("runtime_dir") or Path(server["state_dir"]) / "run" / str(server["port"]))


def _write_pid_file(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        pid_file = directory / PID_FILE
        pid_file.write_text(f"{os.getpid()}\n")
    except OSError as exc:
        raise StartupError(f"[server] runtime_dir {directory}: {exc}") from None
    return pid_file


def _remove_pid_file(pid_file: Path) -> None:
    """Only while it is still this process's: a later process given the same directory keeps its own."""
    with contextlib.suppress(OSError, ValueError):
        if int(pid_file.read_text()) == os.getpid():
            pid_file.unlink()


def signal_running_server(directory: Path, signum: int = signal.SIGHUP) -> int:
    """Send ``signum`` to the server whose pid file is in ``directory`` (its runtime_dir); return its pid."""
    try:
        pid = int((directory / PID_FILE).read_text())
        os.kill(pid, signum)
    except (OSError, ValueError) as exc:
        raise StartupError(f"no running nethcti server found through {directory / PID_FILE}: {exc}") from None
    return pid
