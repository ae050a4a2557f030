"""``[phonebook]``: nethcti-server's ``/phonebook`` API over the ``cti_phonebook`` table and NethVoice's centralized
phonebook."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti import check_database, hookimpl
from nethcti.errors import StartupError
from nethcti_phonebook.routes import blueprint
from nethcti_phonebook.schemas import PhonebookSchema
from nethcti_phonebook.service import CENTRALIZED, Phonebook, Source
from nethcti_phonebook.tables import centralized_table, metadata

requires = ("database", "users", "auth")


def centralized(config: dict) -> Source | None:
    """NethVoice's centralized phonebook at ``centralized_url`` (read only), or None."""
    if not config["centralized_url"]:
        return None
    try:
        url = make_url(config["centralized_url"])
        options = {} if url.get_backend_name() == "sqlite" else {"pool_pre_ping": True, "pool_recycle": 3600}
        engine = create_async_engine(url, **options)
    except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as exc:
        raise StartupError(f"[phonebook] centralized_url: {exc}") from None
    return Source(CENTRALIZED, engine, centralized_table(config["centralized_table"], MetaData()))


@hookimpl
def register_config_schema():
    return PhonebookSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl(optionalhook=True)
def register_database_tables():
    return metadata


@hookimpl
async def doctor_checks(settings):
    """NethVoice's centralized phonebook, when configured, answers and has the columns searched."""
    config = settings.plugin("phonebook")
    if not config["centralized_url"]:
        return []
    table = centralized_table(config["centralized_table"], MetaData())
    return await check_database("centralized_url", config["centralized_url"], {table.name: list(table.c.keys())})


@hookimpl
async def startup(app):
    config = app.plugin_config("phonebook")
    app.extensions["phonebook"] = Phonebook(app.extensions["database"].engine, centralized(config), config["max_limit"])


@hookimpl
async def shutdown(app):
    phonebook = app.extensions.pop("phonebook", None)
    if phonebook is not None:
        await phonebook.close()


@hookimpl
def collect_status(app):
    phonebook = app.extensions.get("phonebook")
    central = phonebook.central if phonebook is not None else None
    error = central.error if central else None  # why its last read failed; searches go on with the CTI phonebook
    return {
        "ok": phonebook is not None and error is None,
        "centralized": central.engine.url.render_as_string(hide_password=True) if central else None,
        "centralized_error": error,
    }
