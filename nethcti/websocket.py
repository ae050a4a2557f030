"""socket.io server mounted in the app: plugin event handlers and the emit API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import socketio
from engineio import packet as eio_packet
from engineio.exceptions import SocketIsClosedError
from loguru import logger
from socketio import packet as sio_packet

from nethcti.errors import StartupError
from nethcti.wsdirect import EngineServer, packet_frame

if TYPE_CHECKING:
    from nethcti.app import NethctiApp

SOCKETIO_PATH = "socket.io"
# A plugin's `configure` hook may put a python-socketio client manager here (websocket: Redis, several processes).
CLIENT_MANAGER = "socketio.client_manager"


def create_socketio(app: NethctiApp) -> socketio.AsyncServer:
    """An AsyncServer (Engine.IO 4, as socket.io-client 3/4 expect) with every plugin's handlers."""
    origins = app.settings.server["cors_origins"]
    sio = SocketServer(
        async_mode="asgi",
        client_manager=app.extensions.get(CLIENT_MANAGER) or DirectEmitManager(),
        cors_allowed_origins="*" if "*" in origins else origins,
        logger=False,
        engineio_logger=False,
    )
    sio.eio.max_send_buffer = app.settings.server["socket_send_buffer"] * 1024
    owners: dict[str, str] = {}
    for plugin, handlers in app.pm.call_each("register_socketio_handlers"):
        for event, handler in handlers.items():
            if event in owners:
                raise StartupError(f"plugins {owners[event]!r} and {plugin!r} both handle socket.io event {event!r}")
            owners[event] = plugin
            sio.on(event, _isolated(app, plugin, event, handler))
    return sio


class SocketServer(socketio.AsyncServer):
    """python-socketio's server on nethcti's Engine.IO server (direct websockets, nethcti.wsdirect), minus a
    traceback in the log for each malformed frame a client sends."""

    def _engineio_server_class(self):
        return EngineServer

    async def _handle_eio_message(self, eio_sid, data):
        # python-socketio decodes a frame and dispatches it here; bad JSON, a packet type it does not know or
        # an event that is not a list raise from its decoding, and Engine.IO would log each with a traceback
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            preview = data[:60] if isinstance(data, (str, bytes)) else type(data).__name__
            logger.warning("socket.io: malformed frame from {} dropped ({}): {!r}", eio_sid, exc.__class__.__name__,
                           preview)


# python-socketio internals the direct emit relies on (its own emit uses them); should an upgrade rename
# them, emits fall back to python-socketio's own path instead of failing
_HAS_DIRECT_SEND = hasattr(socketio.AsyncServer, "_send_eio_packet") and hasattr(
    socketio.AsyncManager, "get_participants")
# Frames are written when the event loop turns (nethcti.wsdirect); an emit gives the loop a turn once that
# is this long ago, so a burst of events to thousands of sockets neither keeps REST requests waiting nor
# piles up frames, and the frames of a short burst still go out in one write per socket.
MAX_UNFLUSHED = 0.005  # s


class DirectEmitManager(socketio.AsyncManager):
    """python-socketio's in-process manager, minus the per-recipient work of an emit.

    AsyncManager.emit wraps each recipient's send in a task and waits for them all; each send queues the
    packet for that socket's writer task, which encodes and frames it through the ASGI stack. Here the event
    is encoded once into its final websocket frame, and each recipient on a direct websocket
    (nethcti.wsdirect) costs one write of those bytes; other recipients (long-polling, another ASGI server)
    get the packet the usual way. Emits with an acknowledgement keep python-socketio's own path.

    Also a mixin: a manager class listing it after a python-socketio pub/sub manager
    (``class M(socketio.AsyncRedisManager, DirectEmitManager)``) delivers its local share the same way.
    """

    async def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        if callback is not None or namespace not in self.rooms or not _HAS_DIRECT_SEND:
            return await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback,
                                      to=to, **kwargs)
        data = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *data]).encode()
        packets = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in (encoded if isinstance(encoded, list)
                                                                       else [encoded])]
        frame = packet_frame(packets[0]) if len(packets) == 1 else None  # binary attachments: packet by packet
        eio = self.server.eio
        sockets, clock, written = eio.sockets, asyncio.get_running_loop().time, 0
        for sid, eio_sid in self.get_participants(namespace, to or room):
            if sid in skip:
                continue
            socket = sockets.get(eio_sid)
            if frame is not None and getattr(socket, "frames", None) is not None:
                socket.write_frame(frame)
                written += 1
                if written % 256 == 0 and clock() - getattr(eio, "unflushed_since", 0) > MAX_UNFLUSHED:
                    await asyncio.sleep(0)
                continue
            for pkt in packets:
                try:
                    await self.server._send_eio_packet(eio_sid, pkt)
                except SocketIsClosedError:
                    break  # closing: the disconnect handler is on its way
                except Exception as exc:  # one socket must not cost the others their event
                    logger.opt(exception=exc).error("socket.io: sending {!r} to {} failed: {!r}", event, sid, exc)
                    break
        return None


def _isolated(app: NethctiApp, plugin: str, event: str, handler):
    """Call the handler with the app; a failure is logged with plugin and event, never crashes the socket."""

    async def on_event(sid: str, *args: Any):
        try:
            return await handler(app, sid, *args)
        except Exception as exc:
            logger.opt(exception=exc).error("plugin {}: socket.io handler {!r} failed: {!r}", plugin, event, exc)
            return None

    return on_event
