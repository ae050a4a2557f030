"""``[custcard]``: customer cards: per card a read-only SELECT on a configured connection, rendered by a
sandboxed Jinja2 template; nethcti-server's /custcard API."""

from __future__ import annotations

from loguru import logger
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import APIError, StartupError
from nethcti_custcard.routes import blueprint
from nethcti_custcard.schemas import CustcardSchema
from nethcti_custcard.service import Card, CustomerCards
from nethcti_custcard.sql import checked_select, read_only_engine
from nethcti_custcard.templates import Templates, directory_exists

requires = ("auth", "users")


def build(config: dict) -> CustomerCards:
    """The service from a validated [custcard]; StartupError naming the card, connection or directory."""
    if not directory_exists(config["templates_dir"]):
        raise StartupError(f"[custcard] templates_dir {config['templates_dir']} is not a directory")
    templates = Templates(config["templates_dir"])
    cards = {}
    for card_id, spec in config["cards"].items():
        where = f"[custcard.cards.{card_id}]"
        if spec["connection"] not in config["connections"]:
            raise StartupError(f"{where} connection {spec['connection']!r} is not in [custcard.connections]")
        try:
            sql = checked_select(spec["query"])
            if spec["template"] is not None:
                templates.check(spec["template"])
        except APIError as exc:
            raise StartupError(f"{where} {exc.message} {exc.details or ''}".rstrip()) from None
        cards[card_id] = Card(card_id, spec["description"] or card_id, spec["connection"], sql, spec["template"],
                              spec["template_text"])
    engines = {}
    for name, connection in config["connections"].items():
        try:
            engines[name] = read_only_engine(connection["url"], config["query_timeout"])
        except (ArgumentError, NoSuchModuleError, ModuleNotFoundError) as exc:
            raise StartupError(f"[custcard.connections.{name}] url: {type(exc).__name__}: {exc}") from None
    return CustomerCards(cards, engines, templates, row_limit=config["row_limit"], timeout=config["query_timeout"],
                         admins=config["admins"])


@hookimpl
def register_config_schema():
    return CustcardSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    app.extensions["custcard"] = build(app.plugin_config("custcard"))


@hookimpl
async def shutdown(app):
    if (service := app.extensions.pop("custcard", None)) is not None:
        await service.close()


@hookimpl
async def reload(app):
    """Re-read [custcard] (cards, connections, templates); on error keep the previous ones."""
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "custcard", CustcardSchema)
        service = build(config)
    except StartupError as exc:
        logger.error("custcard: reload failed, keeping the previous cards: {}", exc)
        return
    old, app.extensions["custcard"] = app.extensions["custcard"], service
    await old.close()


@hookimpl
def collect_status(app):
    service = app.extensions.get("custcard")
    return service.status() if service is not None else {"ok": False}
