"""``[voicemail]``: app_voicemail's messages and greetings over nethcti-server's /voicemail API, live counters."""

from __future__ import annotations

from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from nethcti import check_database, hookimpl
from nethcti.errors import StartupError
from nethcti_voicemail.odbc import OdbcStorage, voicemessages_table
from nethcti_voicemail.routes import blueprint
from nethcti_voicemail.schemas import VoicemailSchema
from nethcti_voicemail.service import SERVER_EVENTS, Voicemail
from nethcti_voicemail.spool import SpoolStorage

requires = ("ami", "users", "auth", "static")  # static: the one-shot downloads
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)


def _storage(config: dict):
    if config["storage"] == "file":
        return SpoolStorage(config["spool_dir"], config["context"], config["lock_timeout"])
    try:
        return OdbcStorage(config["db_url"], config["db_table"], config["spool_dir"], config["context"])
    except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as exc:
        raise StartupError(f"[voicemail] db_url: {exc}") from None


@hookimpl
def register_config_schema():
    return VoicemailSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
def register_ami_handlers():
    async def message_waiting(app, event):
        if (service := app.extensions.get("voicemail")) is not None:
            await service.message_waiting(event)

    return {"MessageWaiting": message_waiting}


@hookimpl
async def doctor_checks(settings):
    """With storage = "odbc": app_voicemail's table answers and has the columns read and written."""
    config = settings.plugin("voicemail")
    if config["storage"] != "odbc":
        return []
    table = voicemessages_table(config["db_table"])
    return await check_database("db_url", config["db_url"], {table.name: list(table.c.keys())})


@hookimpl
async def startup(app):
    config = app.plugin_config("voicemail")
    app.extensions["voicemail"] = Voicemail(
        _storage(config), app.extensions["users"], app.extensions["ami"], app.emit, config["context"],
        config["max_greeting_bytes"], app.extensions["static"])


@hookimpl
async def shutdown(app):
    if (service := app.extensions.pop("voicemail", None)) is not None:
        await service.close()


@hookimpl
def collect_status(app):
    service = app.extensions.get("voicemail")
    if service is None:
        return {"ok": False}
    return {"ok": True, "storage": service.storage.kind, "where": service.storage.describe()}
