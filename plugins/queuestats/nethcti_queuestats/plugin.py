"""``[queuestats]``: queue statistics, recall lists and alarms from Asterisk's queue_log (asteriskcdrdb.queue_log on
NethVoice), at the original's ``/astproxy/…`` paths."""

from __future__ import annotations

from loguru import logger
from sqlalchemy import Table, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nethcti import check_database, hookimpl
from nethcti.errors import StartupError
from nethcti_queuestats.alarms import ROOM, SERVER_EVENTS, Alarms
from nethcti_queuestats.cdr import cdr_columns
from nethcti_queuestats.queries import QueueLogReader
from nethcti_queuestats.queuelog import queue_log_table
from nethcti_queuestats.routes import blueprint
from nethcti_queuestats.schemas import QueueStatsSchema
from nethcti_queuestats.service import QueueStats

requires = ("users", "auth", "astproxy")
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)


@hookimpl
def register_config_schema():
    return QueueStatsSchema


@hookimpl
def register_routes():
    return blueprint


def _engine(config: dict) -> AsyncEngine:
    try:
        url = make_url(config["queue_log_url"])
        options = (
            {}
            if url.get_backend_name() == "sqlite"
            else {"pool_pre_ping": True, "pool_recycle": config["pool_recycle"]}
        )
        return create_async_engine(url, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StartupError(
            f"[queuestats] queue_log_url: no driver ({exc}); MySQL needs nethcti-queuestats[mysql]") from None
    except ArgumentError as exc:
        raise StartupError(f"[queuestats] queue_log_url: {exc}") from None


async def _check_columns(engine: AsyncEngine, table: Table) -> None:
    """A missing table or column is a start-up error naming it, not a 500 at the first request."""
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table.name)})
    except SQLAlchemyError as exc:
        raise StartupError(
            f"[queuestats] {engine.url.render_as_string(hide_password=True)}: "
            f"cannot read table {table.name!r}: {type(exc).__name__}"
        ) from None
    missing = sorted(set(table.c.keys()) - columns)
    if missing:
        raise StartupError(f"[queuestats] table {table.name!r} lacks the columns {', '.join(missing)}")


@hookimpl
async def doctor_checks(settings):
    config = settings.plugin("queuestats")
    tables = [queue_log_table(config["queue_log_table"])]
    if config["cdr_table"]:
        tables.append(cdr_columns(config["cdr_table"]))
    return await check_database("queue_log_url", config["queue_log_url"],
                                {table.name: list(table.c.keys()) for table in tables})


@hookimpl
async def startup(app):
    config = app.plugin_config("queuestats")
    engine = _engine(config)
    table = queue_log_table(config["queue_log_table"])
    cdr = cdr_columns(config["cdr_table"]) if config["cdr_table"] else None
    try:
        await _check_columns(engine, table)
        if cdr is not None:
            await _check_columns(engine, cdr)
    except StartupError:
        await engine.dispose()
        raise
    service = QueueStats(QueueLogReader(engine, table, cdr), app.extensions["astproxy"], app.extensions["users"],
                         config)

    async def emit(alarm: dict) -> None:
        await app.emit("qmAlarm", alarm, to=ROOM)

    service.alarms = Alarms(app.extensions["astproxy"], config, emit)
    app.extensions["queuestats"] = service
    if config["alarms"]:
        app.spawn(service.alarms.run(config["alarm_interval"]), "queuestats-alarms")
    logger.info("queuestats: table {} of {}", table.name, engine.url.render_as_string(hide_password=True))


@hookimpl
async def shutdown(app):
    service = app.extensions.pop("queuestats", None)
    if service is not None:
        await service.reader.engine.dispose()


@hookimpl
def collect_status(app):
    service = app.extensions["queuestats"]
    return {
        "ok": True,
        "queue_log": service.reader.engine.url.render_as_string(hide_password=True),
        "table": service.reader.table.name,
        "cdr_table": service.reader.cdr.name if service.reader.cdr is not None else None,
        "alarms": {q: {a: s["status"] for a, s in alarms.items()} for q, alarms in service.alarms.states.items()},
    }
