"""``[astproxy]``: the live PBX model, loaded at every AMI link-up and kept from events; ``/astproxy`` reads."""

from __future__ import annotations

from loguru import logger

from nethcti import check_database, hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti_astproxy import hookspecs
from nethcti_astproxy.model import EVENT_METHODS
from nethcti_astproxy.ops.routes import build_blueprint
from nethcti_astproxy.ops.webrtc import SERVER_EVENTS
from nethcti_astproxy.phones import Phones
from nethcti_astproxy.pins import PinStore, pin_table, protected_routes
from nethcti_astproxy.routes import blueprint
from nethcti_astproxy.schemas import AstproxySchema
from nethcti_astproxy.service import Astproxy
from nethcti_astproxy.settings_routes import blueprint as settings_blueprint
from nethcti_astproxy.statics import StaticsError, load_statics

__all__ = ["hookspecs"]

requires = ("ami", "users", "auth")
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)

@hookimpl
def register_config_schema():
    return AstproxySchema


@hookimpl
async def doctor_checks(settings):
    """pin_url, when set, holds NethVoice's PIN tables: nothing is created there (without pin_url they are
    created in nethcti's own database at first use)."""
    url = settings.plugin("astproxy")["pin_url"]
    if not url:
        return []
    return await check_database("pin_url", url, {t.name: list(t.c.keys()) for t in (pin_table, protected_routes)})


@hookimpl
def register_routes():
    return [blueprint, build_blueprint(), settings_blueprint]


@hookimpl
def register_ami_handlers():
    async def on_event(app, event):
        service = app.extensions.get("astproxy")
        if service is not None:
            await service.handle(event)

    return dict.fromkeys(EVENT_METHODS, on_event)


@hookimpl
async def startup(app):
    config = app.plugin_config("astproxy")
    try:
        statics = load_statics(config)
    except StaticsError as exc:
        raise StartupError(str(exc)) from None

    async def notify(hook: str, **kwargs) -> None:
        await app.notify(hook, app=app, **kwargs)

    implemented: dict[str, bool] = {}

    def listening(hook: str) -> bool:
        if hook not in implemented:
            implemented[hook] = bool(app.pm.implementations(hook))
        return implemented[hook]

    app.extensions["astproxy"] = Astproxy(
        app.extensions["ami"], app.extensions["users"], statics, notify, listening, app.spawn,
        config["load_concurrency"],
    )
    def default_extension(user) -> str | None:
        chosen = [exten for _, exten in app.pm.call_each("default_extension", isolate=True, app=app, user=user)]
        return chosen[0] if chosen else None

    def recall_on_busy_enabled(user) -> bool:
        answers = app.pm.call_each("recall_on_busy_enabled", isolate=True, app=app, user=user)
        return all(enabled is not False for _, enabled in answers)

    app.extensions["astproxy"].default_extension = default_extension
    app.extensions["astproxy"].recall_on_busy_enabled = recall_on_busy_enabled
    app.extensions["astproxy"].forward_writer = lambda: app.extensions.get("presence")
    try:
        app.extensions["astproxy"].phones = Phones.from_config(config)
    except StaticsError as exc:
        raise StartupError(str(exc)) from None

    async def to_user_sockets(event, payload, username) -> None:
        if "websocket" in app.extensions:  # the websocket plugin's room of one user's sockets (user_room)
            await app.emit(event, payload, to=f"user:{username.lower()}", local=False)

    app.extensions["astproxy"].phones.emit = to_user_sockets
    app.extensions["astproxy"].pins = PinStore(config["pin_url"], lambda: app.extensions.get("database"))
    if config["queue_stats_interval"] > 0:
        app.spawn(app.extensions["astproxy"].poll_queue_stats(config["queue_stats_interval"]), "astproxy-queue-stats")


@hookimpl
async def shutdown(app):
    service = app.extensions.get("astproxy")
    if service is not None:
        service.cancel_load()
        if service.pins is not None:
            await service.pins.close()


@hookimpl
async def ami_connected(app):
    app.extensions["astproxy"].request_load()


@hookimpl
async def ami_disconnected(app):
    app.extensions["astproxy"].cancel_load()


@hookimpl
async def ami_events_dropped(app, count):
    logger.warning("astproxy: {} AMI events were lost; loading the PBX state again", count)
    app.extensions["astproxy"].request_load()


@hookimpl
async def users_reloaded(app):
    service = app.extensions["astproxy"]
    if service.ami.connected:
        service.request_load()


@hookimpl
async def reload(app):
    """Re-read [astproxy] and its files (trunks, queues, feature codes, groups), then the PBX state."""
    service = app.extensions["astproxy"]
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "astproxy", AstproxySchema)
        service.statics = load_statics(config)
    except (StartupError, StaticsError) as exc:
        logger.error("astproxy: reload failed, keeping the previous configuration: {}", exc)
        return
    if service.ami.connected:
        service.request_load()


@hookimpl
def collect_status(app):
    service = app.extensions.get("astproxy")
    return service.status() if service is not None else {"ok": False, "loaded": False}
