"""Bootstrap (conf.d -> plugins -> validated settings) and serving the app with hypercorn."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterable
from pathlib import Path

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig
from loguru import logger

from nethcti.app import NethctiApp, create_app
from nethcti.config import ServerSchema, Settings, read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti.plugins import BUILTIN_PLUGINS, PluginManager, load_plugins

PID_FILE = "nethcti.pid"


def bootstrap(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> tuple[Settings, PluginManager]:
    """Read conf.d, load the plugins it enables and validate every section; StartupError on any problem."""
    raw = read_conf_dir(conf_dir)
    server, _ = validate_section(raw, "server", ServerSchema)
    pm = load_plugins(raw, extra_plugins)
    settings = Settings(raw, server)
    schemas = dict(pm.call_each("register_config_schema"))
    for name in pm.order:
        if name not in BUILTIN_PLUGINS:
            settings.sections[name], settings.schemas[name] = validate_section(raw, name, schemas.get(name))
    return settings, pm


def build(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> NethctiApp:
    settings, pm = bootstrap(conf_dir, extra_plugins)
    return create_app(settings, pm)


async def reload(app: NethctiApp) -> None:
    logger.info("reloading")
    await app.pm.acall_each("reload", isolate=True, app=app)


async def serve(app: NethctiApp) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully; SIGHUP reloads."""
    server = app.settings.server
    config = HypercornConfig()
    host = f"[{server['host']}]" if ":" in server["host"] else server["host"]
    config.bind = [f"{host}:{server['port']}"]
    config.graceful_timeout = 3
    config.accesslog = None  # the logging plugin writes one line per request itself
    config.errorlog = logging.getLogger("hypercorn.error")

    # set before hypercorn closes the connections: plugins tell a shutdown from users leaving
    stopping = app.stopping
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: app.spawn(reload(app), "reload"))
    pid_file = _write_pid_file(Path(server["state_dir"]))
    try:
        await hypercorn_serve(app, config, shutdown_trigger=stopping.wait)
    finally:
        pid_file.unlink(missing_ok=True)
        logger.info("stopped")


def _write_pid_file(state_dir: Path) -> Path:
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        pid_file = state_dir / PID_FILE
        pid_file.write_text(f"{os.getpid()}\n")
    except OSError as exc:
        raise StartupError(f"[server] state_dir {state_dir}: {exc}") from None
    return pid_file


def signal_running_server(state_dir: Path, signum: int = signal.SIGHUP) -> int:
    """Send ``signum`` to the server whose pid file is in ``state_dir``; return its pid."""
    try:
        pid = int((state_dir / PID_FILE).read_text())
        os.kill(pid, signum)
    except (OSError, ValueError) as exc:
        raise StartupError(f"no running nethcti server found through {state_dir / PID_FILE}: {exc}") from None
    return pid
