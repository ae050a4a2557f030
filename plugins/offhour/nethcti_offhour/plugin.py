"""``[offhour]``: the off-hour rules of the inbound routes and their announcements; nethcti-server's /offhour API."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from nethcti import Finding, check_database, hookimpl
from nethcti.errors import StartupError
from nethcti_offhour.routes import blueprint
from nethcti_offhour.schemas import OffhourSchema
from nethcti_offhour.service import Offhour
from nethcti_offhour.store import OffhourStore
from nethcti_offhour.tables import asterisk_tables, nethcti_tables

requires = ("ami", "users", "auth", "static")  # static: the one-shot downloads


def _store(config: dict) -> OffhourStore:
    try:
        return OffhourStore(config["asterisk_db_url"], config["nethcti_db_url"])
    except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as exc:
        raise StartupError(f"[offhour] asterisk_db_url / nethcti_db_url: {type(exc).__name__}: {exc}") from None


def _check_dirs(config: dict) -> None:
    for key in ("sounds_dir", "record_dir"):
        path = Path(config[key])
        if not path.is_absolute() or any(c in config[key] for c in ",|;\n\r"):
            raise StartupError(f"[offhour] {key} must be an absolute path without , | or ;")
        if not path.is_dir():
            raise StartupError(f"[offhour] {key} {path} is not a directory")


@hookimpl
def register_config_schema():
    return OffhourSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def doctor_checks(settings):
    """Both databases answer and hold the tables read (offhour_files in asterisk_db_url when nethcti_db_url is
    unset); with create_tables a missing table is created at start-up, so it is no problem."""
    config = settings.plugin("offhour")
    incoming, offhour = asterisk_tables()
    files = nethcti_tables()
    columns = {table.name: list(table.c.keys()) for table in (incoming, offhour, files)}
    urls = {"asterisk_db_url": ["incoming", "offhour"], "nethcti_db_url": ["offhour_files"]}
    if not config["nethcti_db_url"] or config["nethcti_db_url"] == config["asterisk_db_url"]:
        urls = {"asterisk_db_url": list(columns)}
    found = [finding for key, tables in urls.items()
             for finding in await check_database(key, config[key], {name: columns[name] for name in tables})]
    if not config["create_tables"]:
        return found
    return [Finding(f.check.replace(" exists", " will be created at start-up")) if f.problem
            and f.problem.startswith("no table") else f for f in found]


@hookimpl
async def startup(app):
    config = app.plugin_config("offhour")
    _check_dirs(config)
    store = _store(config)
    if config["create_tables"]:
        await store.create_tables()
    (Path(config["sounds_dir"]) / "nethcti").mkdir(exist_ok=True)

    def default_extension(user):
        astproxy = app.extensions.get("astproxy")
        chooser = getattr(astproxy, "default_extension", None)
        return chooser(user) if chooser is not None else None

    app.extensions["offhour"] = Offhour(store, app.extensions["users"], app.extensions["ami"],
                                        app.extensions["static"], config, default_extension)


@hookimpl
async def ami_connected(app):
    """Asterisk (re)started: give the dialplan its copy of the rules again (``astdb = true``)."""
    if (service := app.extensions.get("offhour")) is not None:
        await service.sync_dialplan()


@hookimpl
async def shutdown(app):
    if (service := app.extensions.pop("offhour", None)) is not None:
        await service.store.close()


@hookimpl
def collect_status(app):
    service = app.extensions.get("offhour")
    return service.status() if service is not None else {"ok": False}
