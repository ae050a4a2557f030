"""``[custcard]``: customer cards: per card a read-only SELECT on a configured connection, rendered by a
sandboxed Jinja2 template; nethcti-server's /custcard API."""

from __future__ import annotations

import asyncio

from loguru import logger
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from nethcti import Finding, check_database, hookimpl
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
async def doctor_checks(settings):
    """Each connection answers, and each card's query runs on it: a card reads whatever tables its SELECT names,
    so running it (read-only, for a number no one has) is the check that they and their columns are there."""
    config = settings.plugin("custcard")
    found, answering = [], set()
    for name, connection in config["connections"].items():
        checks = await check_database(f"[custcard.connections.{name}] url", connection["url"])
        found += checks
        answering.update([name] if all(finding.ok for finding in checks) else [])
    for card_id, spec in config["cards"].items():
        if spec["connection"] in answering:
            found.append(await _card_query_runs(card_id, spec, config["connections"][spec["connection"]]["url"],
                                                config["query_timeout"]))
    return found


async def _card_query_runs(card_id: str, spec: dict, url: str, timeout: float) -> Finding:
    check = f"[custcard.cards.{card_id}] query runs on {spec['connection']!r}"
    fix = "fix its query: the tables and columns it names must exist in that database"
    try:
        sql = checked_select(spec["query"])
    except APIError as exc:
        return Finding(check, f"card {card_id!r}: {exc.message}", fix)
    engine = read_only_engine(url, timeout)
    try:  # the database's own message (the API hides it from clients), e.g. "no such table: customers"
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(text(sql), {"number": "0"} if ":number" in sql else {})
            await connection.rollback()
    except TimeoutError:
        return Finding(check, f"card {card_id!r}: no answer within {timeout:g} s", "make its query faster")
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        return Finding(check, f"card {card_id!r}: {type(reason).__name__}: {reason}", fix)
    finally:
        await engine.dispose()
    return Finding(check)


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
