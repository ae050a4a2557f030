"""socket.io server mounted in the app: plugin event handlers and the emit API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import socketio
from loguru import logger

from nethcti.errors import StartupError

if TYPE_CHECKING:
    from nethcti.app import NethctiApp

SOCKETIO_PATH = "socket.io"
# A plugin's `configure` hook may put a python-socketio client manager here (websocket: Redis, several processes).
CLIENT_MANAGER = "socketio.client_manager"


def create_socketio(app: NethctiApp) -> socketio.AsyncServer:
    """An AsyncServer (Engine.IO 4, as socket.io-client 3/4 expect) with every plugin's handlers."""
    origins = app.settings.server["cors_origins"]
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=app.extensions.get(CLIENT_MANAGER),
        cors_allowed_origins="*" if "*" in origins else origins,
        logger=False,
        engineio_logger=False,
    )
    owners: dict[str, str] = {}
    for plugin, handlers in app.pm.call_each("register_socketio_handlers"):
        for event, handler in handlers.items():
            if event in owners:
                raise StartupError(f"plugins {owners[event]!r} and {plugin!r} both handle socket.io event {event!r}")
            owners[event] = plugin
            sio.on(event, _isolated(app, plugin, event, handler))
    return sio


def _isolated(app: NethctiApp, plugin: str, event: str, handler):
    """Call the handler with the app; a failure is logged with plugin and event, never crashes the socket."""

    async def on_event(sid: str, *args: Any):
        try:
            return await handler(app, sid, *args)
        except Exception as exc:
            logger.opt(exception=exc).error("plugin {}: socket.io handler {!r} failed: {!r}", plugin, event, exc)
            return None

    return on_event
