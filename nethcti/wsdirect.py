"""Engine.IO's websocket transport written straight to the connection: one frame built per event, one write per socket.

python-engineio gives every websocket a queue and a writer task; each packet sent to a socket is queued, woken
for, encoded, handed down the ASGI send path and framed by wsproto — for every recipient of an event, although a
server-to-client frame is unmasked and therefore the same bytes for all of them. Here a socket that is on
uvicorn's wsproto protocol (``DirectWSProtocol``, which ``nethcti serve`` runs) writes its frames to the
transport at once instead: the emit builds the frame once and each recipient costs one ``transport.write``
(bench/README.md, fan-out). Incoming frames, the handshake, the close handshake and every other ASGI server
keep the standard path; the socket.io protocol the clients see is unchanged (same packets, same order).

A socket whose client does not read is not allowed to grow memory without bound: when the bytes waiting in its
transport pass ``EngineServer.max_send_buffer`` (``[server] socket_send_buffer``) it is disconnected and counted
— the client reconnects and reads the state afresh, instead of silently missing an event.
"""

from __future__ import annotations

import asyncio
import struct
from collections import deque
from typing import Any

import engineio
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers import asgi as engineio_asgi
from engineio.async_socket import AsyncSocket
from loguru import logger
from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

# the ASGI scope extension through which a websocket connection offers its direct writer
FRAME_WRITER = "nethcti.websocket.frames"
MAX_SEND_BUFFER = 1024 * 1024
FLUSH_CHUNK = 500  # sockets written to per turn of the event loop
TEXT, BINARY = 0x1, 0x2
FIN = 0x80


def websocket_frame(payload: str | bytes) -> bytes:
    """One unfragmented, unmasked websocket data frame (RFC 6455 5.2), as a server sends it.

    Built here rather than by wsproto because wsproto frames only through a connection's state machine, one
    connection at a time; this frame is built once and written to thousands of connections.
    """
    if isinstance(payload, str):
        opcode, data = TEXT, payload.encode()
    else:
        opcode, data = BINARY, payload
    size = len(data)
    if size < 126:
        header = struct.pack("!BB", FIN | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", FIN | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", FIN | opcode, 127, size)
    return header + data


def packet_frame(pkt: eio_packet.Packet) -> bytes:
    return websocket_frame(pkt.encode())


class DirectWSProtocol(WSProtocol):
    """uvicorn's wsproto websocket protocol, offering the app a way to write whole frames to the transport."""

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        # the ASGI task just created reads the scope only once it runs, so the extension is there in time
        self.scope["extensions"][FRAME_WRITER] = self

    def write_frame(self, frame: bytes) -> int | None:
        """Write a frame; the bytes now waiting to be sent, or None when the connection is closing."""
        transport = self.transport
        if self.close_sent or self.disconnected or transport.is_closing():
            return None
        transport.write(frame)
        return transport.get_write_buffer_size()

    def cut_off(self) -> None:
        """Drop the connection and whatever waits to be sent on it; the socket ends as on any lost connection."""
        self.transport.abort()


class DirectSocket(AsyncSocket):
    """An Engine.IO socket that, once on a ``DirectWSProtocol`` websocket, writes its packets straight to it."""

    frames: DirectWSProtocol | None = None
    unsent: list[bytes] | None = None  # frames sent and not yet written (EngineServer.flush_soon)

    async def send(self, pkt):
        if self.frames is None:  # polling, or still upgrading: python-engineio's queue
            return await super().send(pkt)
        if self.closed:
            raise eio_exceptions.SocketIsClosedError()
        self.write_frame(packet_frame(pkt))
        return None

    def write_frame(self, frame: bytes) -> None:
        """Send a frame (built once for many sockets by ``DirectEmitManager``); the socket must be direct.

        Frames are written when the event loop next turns (``FLUSH_CHUNK`` sockets per turn), all those sent
        meanwhile in one write: a burst of events (a call changes an extension a dozen times in a few ms) costs
        each socket one system call, not one per event; a single event waits for nothing but the end of the emit."""
        if self.closed:
            return
        if self.unsent is None:
            self.unsent = [frame]
            self.server.flush_soon(self)
        else:
            self.unsent.append(frame)

    def flush(self) -> None:
        """Write the frames sent since the last turn of the loop; a client that lets more than the server's
        ``max_send_buffer`` bytes pile up is cut off."""
        frames, self.unsent = self.unsent, None
        if not frames:
            return
        waiting = self.frames.write_frame(frames[0] if len(frames) == 1 else b"".join(frames))
        if waiting is not None and waiting > self.server.max_send_buffer:
            self.server.slow_disconnects += 1
            logger.warning("socket.io: {} does not read its events ({} bytes waiting): disconnected",
                           self.sid, waiting)
            self.frames.cut_off()

    async def serve_websocket(self, ws: DirectWebSocket, frames: DirectWSProtocol) -> None:
        """python-engineio's websocket handler, minus the writer task: the upgrade, then reading until the end."""
        timeout = self.server.ping_interval + self.server.ping_timeout

        async def receive():
            data = await ws.wait()
            if data and len(data) > self.server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        if self.connected:  # upgrading from long-polling: probe, then the switch
            self.upgrading = True  # packets sent meanwhile wait in the queue, the poll answers no more of them
            try:
                probe = eio_packet.Packet(encoded_packet=await receive())
                if probe.packet_type != eio_packet.PING or probe.data != "probe":
                    return
                frames.write_frame(packet_frame(eio_packet.Packet(eio_packet.PONG, data="probe")))
                await self.queue.put(eio_packet.Packet(eio_packet.NOOP))  # ends the pending poll
                if eio_packet.Packet(encoded_packet=await receive()).packet_type != eio_packet.UPGRADE:
                    return
            except (OSError, ValueError):
                return
            finally:
                self.upgrading = False
        self.connected = self.upgraded = True
        self._switch_to(frames)
        try:
            while True:
                try:
                    data = await asyncio.wait_for(receive(), timeout)
                except Exception:  # closed, timed out, too large: the connection is over
                    break
                if data is None:
                    break
                try:
                    pkt = eio_packet.Packet(encoded_packet=data)
                except (ValueError, TypeError, IndexError, KeyError) as exc:  # what no Engine.IO client sends
                    logger.warning("socket.io: malformed frame (Engine.IO) from {} dropped ({}): {!r}", self.sid,
                                   exc.__class__.__name__, data[:60])
                    continue
                try:
                    await self.receive(pkt)
                except eio_exceptions.UnknownPacketError:  # a packet type the server does not take (python-engineio's
                    continue                                  # handler ignores these too)
                except eio_exceptions.SocketIsClosedError:
                    break
                except Exception as exc:  # a bad frame must not end the connection
                    logger.opt(exception=exc).error("socket.io: receiving from {} failed: {!r}", self.sid, exc)
        finally:
            self.flush()  # before the close frame: what was sent last (a 401, Engine.IO's close) goes out
            await ws.close()
            await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)

    def _switch_to(self, frames: DirectWSProtocol) -> None:
        # Without an await between the two, nothing can be sent between the queued packets (the Engine.IO open,
        # those sent while upgrading) and the first direct one: the order stays the order of sending.
        while not self.queue.empty():
            pkt = self.queue.get_nowait()
            self.queue.task_done()
            if pkt is not None and pkt.packet_type != eio_packet.NOOP:
                frames.write_frame(packet_frame(pkt))
        self.frames = frames


class DirectWebSocket(engineio_asgi.WebSocket):
    """python-engineio's ASGI websocket adapter; on a ``DirectWSProtocol`` connection the socket goes direct."""

    async def __call__(self, environ: dict[str, Any]):
        frames = environ["asgi.scope"].get("extensions", {}).get(FRAME_WRITER)
        socket = getattr(self.handler, "__self__", None)
        if frames is None or type(socket) is not AsyncSocket:
            return await super().__call__(environ)
        self.asgi_receive, self.asgi_send = environ["asgi.receive"], environ["asgi.send"]
        await self.asgi_send({"type": "websocket.accept"})
        # python-engineio creates its sockets itself, with no option for their class: the socket becomes a
        # DirectSocket (a subclass adding no state of its own) now that it has a transport to write to
        socket.__class__ = DirectSocket
        await socket.serve_websocket(self, frames)
        return ""


class EngineServer(engineio.AsyncServer):
    """python-engineio's ASGI server whose websockets go direct where the connection allows it."""

    max_send_buffer = MAX_SEND_BUFFER  # bytes a direct socket may have waiting before it is cut off
    slow_disconnects = 0  # sockets cut off for it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._async = {**self._async, "websocket": DirectWebSocket}  # this server's copy of the driver table
        self._unflushed: deque[DirectSocket] = deque()
        self._flush_handle: asyncio.Handle | None = None
        self.unflushed_since = 0.0  # loop time of the oldest frame not yet written

    def flush_soon(self, socket: DirectSocket) -> None:
        """Write ``socket``'s frames when the event loop next turns."""
        self._unflushed.append(socket)
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self.unflushed_since = loop.time()
            self._flush_handle = loop.call_soon(self._flush)

    def _flush(self) -> None:
        # FLUSH_CHUNK sockets per turn of the loop (a few ms of send()s), the rest in the next ones: a REST request
        # waits for one chunk at a time, not for an event's writes to thousands of sockets
        unflushed = self._unflushed
        for _ in range(min(FLUSH_CHUNK, len(unflushed))):
            socket = unflushed.popleft()
            try:
                socket.flush()
            except Exception as exc:  # one connection must not cost the others their frames
                logger.opt(exception=exc).error("socket.io: writing to {} failed: {!r}", socket.sid, exc)
        loop = asyncio.get_running_loop()
        self._flush_handle = loop.call_soon(self._flush) if unflushed else None
        self.unflushed_since = loop.time()
