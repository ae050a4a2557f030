"""``[profiling]``: nethcti-server's ``/profiling`` API: the host names the clients need, process figures."""

from __future__ import annotations

from loguru import logger

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti_profiling.routes import blueprint
from nethcti_profiling.schemas import ProfilingSchema
from nethcti_profiling.service import Profiling, ProfilingConfigError

requires = ("auth", "users")


class QueryCounter:
    """Statements run on the database plugin's engine (the original's ``numExecQueries``), when it is on."""

    def __init__(self) -> None:
        self.count, self.engine = 0, None

    def attach(self, app) -> None:
        database = app.extensions.get("database")
        if database is None or self.engine is database.engine:
            return
        from sqlalchemy import event

        self.engine = database.engine
        event.listen(self.engine.sync_engine, "after_cursor_execute", self._executed)

    def _executed(self, *_args) -> None:
        self.count += 1

    def read(self, app) -> int:
        self.attach(app)  # the database plugin may start after this one
        return self.count


@hookimpl
def register_config_schema():
    return ProfilingSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    counter = QueryCounter()
    counter.attach(app)

    def ws_clients() -> int:
        websocket = app.extensions.get("websocket")
        return websocket.status()["sockets"] if websocket is not None else 0

    # the original's rpm versions; here nethcti's and its plugins' package versions
    versions = {"nethcti": _host_version(),
                **{f"nethcti-{name}": version for name, version in sorted(app.pm.versions.items())}}
    try:
        app.extensions["profiling"] = Profiling(
            app.plugin_config("profiling"), versions=versions, users=lambda: len(app.extensions["users"]),
            ws_clients=ws_clients, queries=lambda: counter.read(app))
    except ProfilingConfigError as exc:
        raise StartupError(f"[profiling] {exc}") from None


def _host_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nethcti")
    except PackageNotFoundError:
        return "unknown"


@hookimpl
async def reload(app):
    """Re-read [profiling] and nethcti.json; on error keep the previous host names."""
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "profiling", ProfilingSchema)
        app.extensions["profiling"].reconfigure(config)
    except (StartupError, ProfilingConfigError) as exc:
        logger.error("profiling: reload failed, keeping the previous host names: {}", exc)


@hookimpl
def collect_status(app):
    service = app.extensions.get("profiling")
    return {"ok": service is not None, "hostname": service.hostname if service else None}
