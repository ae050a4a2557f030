"""``[websocket]``: the socket.io protocol of the NethVoice clients and the PBX events they receive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from loguru import logger
from nethcti_auth.shared import SHARED_STATE, LocalState

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti.websocket import CLIENT_MANAGER
from nethcti_websocket import hookspecs  # noqa: F401  (published to other plugins by the host)
from nethcti_websocket.events import SERVER_EVENTS, EventHooks
from nethcti_websocket.schemas import WebsocketSchema
from nethcti_websocket.service import Websocket

requires = ("auth", "users")
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)


@hookimpl
def register_config_schema():
    return WebsocketSchema


@hookimpl
def configure(app):
    """With ``redis_url``, the processes of one service share their state in Redis (tokens, login failures,
    sockets per user: every plugin's start-up finds it in ``app.extensions[SHARED_STATE]``), and the socket.io
    server the host creates fans events out through it."""
    config = app.plugin_config("websocket")
    if not config["redis_url"]:
        return
    try:
        from nethcti_websocket.cluster import ClusterRedisManager, RedisState
    except ImportError:  # the redis package
        raise StartupError("[websocket] redis_url needs the redis package: pip install 'nethcti-websocket[redis]'") \
            from None
    try:
        state = RedisState(config["redis_url"], config["redis_channel"], timeout=config["redis_timeout"],
                           check_interval=config["redis_check_interval"])
    except ValueError as exc:  # redis-py's answer to a URL it cannot use
        raise StartupError(f"[websocket] redis_url: {exc}") from None
    app.extensions[SHARED_STATE] = state
    app.extensions[CLIENT_MANAGER] = ClusterRedisManager(state, config["redis_channel"])


def _service(app) -> Websocket:
    return app.extensions["websocket"]


def _events(app) -> EventHooks:
    return app.extensions["websocket.events"]


async def on_connect(app, sid, environ=None, auth=None):
    _service(app).connected(sid)


async def on_disconnect(app, sid, *reason):
    await _service(app).disconnected(sid)


async def on_login(app, sid, data=None, *extra):
    await _service(app).login(sid, data)


async def on_ping(app, sid, *args):
    return None  # the acknowledgement is the answer (phone-island pings every 5 s)


async def on_message(app, sid, data=None, *extra):
    await _service(app).relay(sid, data)


async def on_takeover_ack(app, sid, *args):
    await _service(app).takeover_acked(sid)


@hookimpl
def register_socketio_handlers():
    return {
        "connect": on_connect, "disconnect": on_disconnect, "login": on_login, "ping": on_ping,
        "message": on_message, "takeOverAck": on_takeover_ack,
    }


@hookimpl
async def startup(app):
    config = app.plugin_config("websocket")

    async def notify(hookname: str, **kwargs) -> None:
        await app.notify(hookname, app=app, **kwargs)

    service = Websocket(
        sio=app.sio, emit=app.emit, notify=notify, auth=app.extensions["auth"], users=app.extensions["users"],
        takeover_timeout=config["takeover_timeout"], login_timeout=config["login_timeout"],
        stopping=app.stopping.is_set, shared=app.extensions.setdefault(SHARED_STATE, LocalState()),
    )
    app.extensions["websocket"] = service
    app.extensions["websocket.events"] = EventHooks(app.emit, app.extensions["users"], service)
    refresh = config["refresh_interval"] or app.plugin_config("auth")["expiration_timeout"] / 2
    app.spawn(every(refresh, service.refresh_tokens), "websocket-token-refresh")
    app.spawn(every(min(config["login_timeout"] / 2, 10), service.drop_unauthenticated), "websocket-login-timeout")
    if config["redis_url"]:
        state = app.extensions[SHARED_STATE]
        await state.start()
        app.spawn(state.heartbeat_forever(), "websocket-redis-heartbeat")
        app.spawn(state.listen_forever(), "websocket-redis-messages")
        logger.info("websocket: state shared and events fanned out through Redis channel {!r}",
                    config["redis_channel"])


@hookimpl
async def shutdown(app):
    """Stop the Redis manager's listener, which python-socketio starts as a task of its own."""
    listener = getattr(app.extensions.get(CLIENT_MANAGER), "thread", None)
    if isinstance(listener, asyncio.Task) and not listener.done():
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    state = app.extensions.get(SHARED_STATE)
    if app.plugin_config("websocket")["redis_url"] and state is not None:
        await state.close()  # this process's sockets stop counting in the others at once


async def every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
    """Run ``job`` every ``seconds`` until cancelled; a failure is logged and the next run happens anyway."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception as exc:
            logger.opt(exception=exc).error("websocket: {} failed: {!r}", getattr(job, "__name__", job), exc)


@hookimpl
async def doctor_checks(settings):
    from nethcti_websocket.doctor import redis_findings  # only `nethcti doctor` needs it

    return await redis_findings(settings.plugin("websocket"))


@hookimpl
def collect_status(app):
    service = app.extensions.get("websocket")
    # sockets cut off because their client did not read its events ([server] socket_send_buffer)
    slow = {"slow_disconnects": getattr(app.sio.eio, "slow_disconnects", 0)}
    report = {"ok": service is not None, **(service.status() if service else {}), **slow}
    if service is not None and app.plugin_config("websocket")["redis_url"]:
        report["redis"] = shared = service.shared.status()
        report["ok"] = shared["ok"]  # /status "degraded" while Redis does not answer
    return report


@hookimpl
async def token_revoked(app, login, digest):
    await _service(app).token_revoked(login, digest)


@hookimpl
async def users_reloaded(app):
    await _service(app).users_changed()


# -- the live PBX model (hooks of the astproxy plugin; optional so that this plugin works without it)


def _model(app):
    """The astproxy service: a renderer of live model objects and the privacy mask."""
    return app.extensions["astproxy"]


@hookimpl(optionalhook=True)
async def extension_changed(app, extension):
    astproxy = _model(app)
    renderer, mask = astproxy.renderer(), astproxy.mask

    def render(mask_out: bool, mask_in: bool) -> dict:
        return renderer.extension(extension, mask if mask_out else None, mask if mask_in else None)

    await _events(app).extension_changed(extension.exten, render)


@hookimpl(optionalhook=True)
async def extension_ringing(app, ringing):
    await _events(app).ringing(ringing.exten, ringing.to_json())


@hookimpl(optionalhook=True)
async def conversation_connected(app, connected):
    await _events(app).connected(connected.num1, connected.to_json())


@hookimpl(optionalhook=True)
async def extension_hangup(app, hangup):
    await _events(app).hangup(hangup.exten, hangup.to_json())


def _rendering(app, kind: str, obj):
    """``render(masked)`` for ``obj``: the events module asks once per privacy class of the audience."""
    astproxy = _model(app)
    render = getattr(astproxy.renderer(), kind)
    return lambda masked: render(obj, astproxy.mask if masked else None)


@hookimpl(optionalhook=True)
async def queue_changed(app, queue):
    await _events(app).queue_changed(_rendering(app, "queue", queue))


@hookimpl(optionalhook=True)
async def queue_member_changed(app, member):
    await _events(app).queue_member_changed(_model(app).to_json(member))


@hookimpl(optionalhook=True)
async def parking_changed(app, parking):
    await _events(app).parking_changed(_rendering(app, "parking", parking))


@hookimpl(optionalhook=True)
async def trunk_changed(app, trunk):
    await _events(app).trunk_changed(_rendering(app, "trunk", trunk))


@hookimpl(optionalhook=True)
async def conference_changed(app, conference):
    payload = _model(app).to_json(conference)
    await _events(app).conference_changed(conference.id, list(conference.users), payload)


@hookimpl(optionalhook=True)
async def conference_ended(app, conference_id):
    await _events(app).conference_ended(conference_id)


@hookimpl(optionalhook=True)
async def model_reloaded(app):
    await _events(app).model_reloaded()


# -- presence (the presence plugin publishes these hooks; optional so that this plugin works without it)


@hookimpl(optionalhook=True)
async def user_presence_changed(app, username, kind, status, to):
    await _events(app).user_presence_changed(username, kind, status, to)


@hookimpl(optionalhook=True)
async def user_main_presence_changed(app, username, status, to):
    await _events(app).user_main_presence_changed(username, status, to)
