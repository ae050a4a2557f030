"""``[auth]``: nonce login and HMAC tokens as nethcti-server, persistent tokens, password backends, route guard."""

from __future__ import annotations

import asyncio

from loguru import logger

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti_auth import hookspecs  # noqa: F401  (published to other plugins by the host)
from nethcti_auth.backends import builtin_backends
from nethcti_auth.cli import add_commands
from nethcti_auth.guard import guard
from nethcti_auth.persistent import Base, PersistentTokens
from nethcti_auth.routes import blueprint
from nethcti_auth.schemas import AuthSchema
from nethcti_auth.service import Auth
from nethcti_auth.shared import SHARED_STATE, LocalState

requires = ("users", "database")


@hookimpl
def register_config_schema():
    return AuthSchema


@hookimpl
def register_routes():
    return [guard, blueprint]


@hookimpl(optionalhook=True)  # spec of the database plugin; without it, `requires` names what is missing
def register_database_tables():
    return Base.metadata


@hookimpl
def register_password_backends():
    return builtin_backends()


@hookimpl
def register_commands(subparsers):
    add_commands(subparsers)


@hookimpl
async def startup(app):
    config = app.plugin_config("auth")
    factories = {}
    for plugin, backends in app.pm.call_each("register_password_backends"):
        for name, factory in backends.items():
            if name in factories:
                raise StartupError(f"plugin {plugin!r} registers password backend {name!r} a second time")
            factories[name] = factory
    if config["backend"] not in factories:
        raise StartupError(f"[auth] backend {config['backend']!r} is unknown; known: {', '.join(sorted(factories))}")
    persistent = PersistentTokens(app.extensions["database"])
    await persistent.load()
    auth = Auth(
        app.extensions["users"], factories[config["backend"]](app), persistent,
        enabled=config["authentication"], expiration_timeout=config["expiration_timeout"],
        nonce_timeout=config["nonce_timeout"], max_login_failures=config["max_login_failures"],
        max_user_failures=config["max_user_failures"], max_address_failures=config["max_address_failures"],
        failure_window=config["failure_window"], max_concurrent_checks=config["max_concurrent_checks"],
        shared=app.extensions.setdefault(SHARED_STATE, LocalState()),  # Redis when a plugin's configure put it there
    )

    async def revoked(login: str, digest: str) -> None:
        await app.notify("token_revoked", app=app, login=login, digest=digest)

    auth.subscribe(revoked)
    app.extensions["auth"] = auth
    period = min(config["expiration_timeout"], config["nonce_timeout"], 60)
    app.spawn(purge_forever(auth, period), "auth-purge")
    if not config["authentication"]:
        logger.warning("auth: authentication is disabled ([auth] authentication = false): every token is accepted")


async def purge_forever(auth: Auth, period: float) -> None:
    while True:
        await asyncio.sleep(period)
        auth.purge()


@hookimpl
def collect_status(app):
    auth = app.extensions["auth"]
    config = app.plugin_config("auth")
    return {"ok": True, "authentication": auth.enabled, "backend": config["backend"], "sessions": auth.grants.size()}


@hookimpl
def doctor_checks(settings):
    """``nethcti doctor``: the password hashes are readable by nethcti and by nobody else."""
    from nethcti.doctor import private_file
    from nethcti_auth.backends import password_file_path

    config = settings.plugin("auth")
    if config["backend"] != "file":
        return []
    return [private_file("passwords_file", password_file_path(config, settings.server["state_dir"]))]
