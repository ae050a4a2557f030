"""``[history]``: call history and recordings from the CDR table Asterisk writes (asteriskcdrdb.cdr on NethVoice)."""

from __future__ import annotations

from loguru import logger
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti import check_database, hookimpl
from nethcti.errors import StartupError
from nethcti_history.cdr import cdr_table
from nethcti_history.queries import CdrReader
from nethcti_history.routes import blueprint
from nethcti_history.schemas import HistorySchema
from nethcti_history.service import History

requires = ("users", "auth", "astproxy", "static")


@hookimpl
def register_config_schema():
    return HistorySchema


@hookimpl
def register_routes():
    return blueprint


def _engine(config: dict):
    try:
        url = make_url(config["cdr_url"])
        options = (
            {}
            if url.get_backend_name() == "sqlite"
            else {"pool_pre_ping": True, "pool_recycle": config["pool_recycle"]}
        )
        return create_async_engine(url, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StartupError(f"[history] cdr_url: no driver ({exc}); MySQL needs nethcti-history[mysql]") from None
    except ArgumentError as exc:
        raise StartupError(f"[history] cdr_url: {exc}") from None


@hookimpl
async def startup(app):
    config = app.plugin_config("history")
    engine = _engine(config)
    table = cdr_table(config["cdr_table"])
    try:  # a wrong table or a missing column is a start-up error, not a 500 at the first request
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table.name)})
    except SQLAlchemyError as exc:
        await engine.dispose()
        raise StartupError(
            f"[history] {engine.url.render_as_string(hide_password=True)}: "
            f"cannot read table {table.name!r}: {type(exc).__name__}"
        ) from None
    missing = sorted(set(table.c.keys()) - columns)
    if missing:
        await engine.dispose()
        raise StartupError(f"[history] table {table.name!r} lacks the columns {', '.join(missing)}")
    astproxy = app.extensions["astproxy"]
    app.extensions["history"] = History(
        CdrReader(engine, table),
        app.extensions["users"],
        astproxy,
        lambda: astproxy.statics.recordings_dir,
        app.extensions["static"].publish,
    )
    logger.info("history: CDR table {} of {}", table.name, engine.url.render_as_string(hide_password=True))


@hookimpl
async def doctor_checks(settings):
    config = settings.plugin("history")
    table = cdr_table(config["cdr_table"])
    return await check_database("cdr_url", config["cdr_url"], {table.name: list(table.c.keys())})


@hookimpl
async def shutdown(app):
    history = app.extensions.pop("history", None)
    if history is not None:
        await history.reader.engine.dispose()


@hookimpl
def collect_status(app):
    history = app.extensions["history"]
    return {
        "ok": True,
        "cdr": history.reader.engine.url.render_as_string(hide_password=True),
        "table": history.reader.table.name,
    }
