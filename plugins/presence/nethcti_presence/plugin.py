"""``[presence]``: users' presence on all their devices, user settings, and nethcti-server's ``/user`` API."""

from __future__ import annotations

from collections.abc import Awaitable

from loguru import logger
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import APIError, StartupError
from nethcti_presence import autorules, hookspecs
from nethcti_presence.nethvoice import NethVoice, NethVoiceError
from nethcti_presence.routes import blueprint
from nethcti_presence.schemas import PresenceSchema
from nethcti_presence.service import Presences
from nethcti_presence.settings import Base, Limits, Settings
from nethcti_presence.user import SERVER_EVENTS, UserService

__all__ = ["hookspecs"]

requires = ("ami", "users", "auth", "database", "astproxy")
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)


def _service(app) -> Presences | None:
    return app.extensions.get("presence")


def _nethvoice(config: dict) -> NethVoice:
    try:
        return NethVoice(config)
    except NethVoiceError as exc:
        raise StartupError(f"[presence] {exc}") from None
    except (NoSuchModuleError, ModuleNotFoundError, ArgumentError) as exc:
        raise StartupError(f"[presence] asterisk_db_url: {exc}") from None


@hookimpl
def register_config_schema():
    return PresenceSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
def register_database_tables():
    return Base.metadata


@hookimpl
async def startup(app):
    config = app.plugin_config("presence")
    nethvoice = _nethvoice(config)
    settings = Settings(app.extensions["database"], Limits(
        config["settings_max_keys"], config["settings_max_value_bytes"], config["settings_max_total_bytes"]))
    await settings.load()

    async def notify(hook: str, **kwargs) -> None:
        await app.notify(hook, app=app, **kwargs)

    astproxy = app.extensions["astproxy"]
    presences = Presences(app.extensions["ami"], astproxy, app.extensions["users"], notify,
                          config["mirror_phone_changes"])
    app.extensions["presence"] = presences
    app.extensions["presence.user"] = UserService(
        app.extensions["users"], astproxy, presences, settings, nethvoice, app.emit, config["chat_url"],
        config["proxy_port"])
    if astproxy.ready:  # loaded before this start-up: take the first values now
        await presences.model_reloaded()


@hookimpl
async def shutdown(app):
    user_service = app.extensions.pop("presence.user", None)
    if user_service is not None:
        await user_service.nethvoice.close()


@hookimpl
async def reload(app):
    """Re-read [presence] and its files (recallonbusy.json, subscription); on error keep the previous ones."""
    user_service = app.extensions["presence.user"]
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "presence", PresenceSchema)
        nethvoice = _nethvoice(config)
    except StartupError as exc:
        logger.error("presence: reload failed, keeping the previous configuration: {}", exc)
        return
    old, user_service.nethvoice = user_service.nethvoice, nethvoice
    user_service.chat_url, user_service.proxy_port = config["chat_url"], config["proxy_port"]
    app.extensions["presence"].mirror_enabled = config["mirror_phone_changes"]
    await old.close()


def _spawn(app, job: Awaitable, name: str) -> None:
    """An owned task whose expected failures (AMI down, refused) are a warning, not a crash report."""

    async def run():
        try:
            await job
        except APIError as exc:
            logger.warning("presence: {} failed: {}", name, exc)

    app.spawn(run(), name)


# -- the live model (astproxy's hooks)


@hookimpl
async def extension_changed(app, extension):
    if (service := _service(app)) is not None:
        await service.extension_changed(extension.exten)


@hookimpl
async def extension_setting_changed(app, change):
    """Mirror in a task of its own: astproxy's event worker must not wait for our AMI round trips."""
    if (service := _service(app)) is not None:
        _spawn(app, service.mirror(change.exten, change.setting), f"presence-mirror-{change.exten}")


@hookimpl
async def model_reloaded(app):
    if (service := _service(app)) is not None:
        await service.model_reloaded()


@hookimpl
def default_extension(app, user):
    user_service = app.extensions.get("presence.user")
    return user_service.settings.default_extension(user.username) if user_service is not None else None


@hookimpl
def recall_on_busy_enabled(app, user):
    """As the original: only users whose recallonbusy.json entry says "enabled" (what /user/me tells clients)."""
    user_service = app.extensions.get("presence.user")
    return user_service.nethvoice.recall_on_busy_of(user.username) == "enabled" if user_service else None


# -- auto rules on websocket login/logout (the websocket plugin's hooks; optional)


@hookimpl(optionalhook=True)
async def ws_first_login(app, user):
    _run_auto_rules(app, user, autorules.on_first_login, "login")


@hookimpl(optionalhook=True)
async def ws_last_logout(app, user):
    _run_auto_rules(app, user, autorules.on_last_logout, "logout")


def _run_auto_rules(app, user, rules, when: str) -> None:
    """In a task of their own: the websocket plugin's login must not wait for our AMI round trips."""
    user_service = app.extensions.get("presence.user")
    if user_service is None:
        return

    async def run():
        await rules(user_service.presences, user, await user_service.settings.get(user.username))

    _spawn(app, run(), f"presence-{when}-{user.username}")


@hookimpl
def collect_status(app):
    service = _service(app)
    return {"ok": service is not None, "users": len(service.published) if service is not None else 0}
