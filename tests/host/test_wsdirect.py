"""Direct websockets (nethcti.wsdirect): frames written straight to each connection, the protocol unchanged."""

import asyncio
import base64
import os
import socket

import pytest
import socketio
import uvicorn
from wsproto.frame_protocol import FrameProtocol, Opcode

from nethcti import wsdirect
from nethcti.testing import base_conf, running_app, served, wait_until
from nethcti.wsdirect import DirectSocket, websocket_frame


@pytest.mark.parametrize("payload", ["", "42[\"x\"]", "é" * 70, "a" * 125, "b" * 126, "c" * 65535, "d" * 65536,
                                     b"\x00\x01binary", b"\xff" * 70000])
def test_a_frame_is_what_a_websocket_client_parses(payload):
    client = FrameProtocol(client=True, extensions=[])
    client.receive_bytes(websocket_frame(payload))
    (frame,) = client.received_frames()
    assert frame.opcode is (Opcode.TEXT if isinstance(payload, str) else Opcode.BINARY)
    assert frame.message_finished and frame.payload == payload


async def connected(url: str, transports: list[str]) -> tuple[socketio.AsyncClient, list]:
    client, received = socketio.AsyncClient(reconnection=False), []
    client.on("seq", lambda n: received.append(n))
    client.on("ask", lambda value: value * 2)
    await client.connect(url, transports=transports)
    return client, received


@pytest.mark.parametrize("chunk", [wsdirect.FLUSH_CHUNK, 1])  # 1: every turn of the loop writes to one socket only
async def test_events_arrive_in_order_across_the_upgrade_to_a_direct_websocket(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(wsdirect, "FLUSH_CHUNK", chunk)
    async with running_app(base_conf(tmp_path)) as app, served(app) as url:
        stop, sent = asyncio.Event(), 0

        async def keep_emitting():  # events before, during and after each client's upgrade from polling
            nonlocal sent
            while not stop.is_set() and sent < 20000:
                await app.emit("seq", sent)
                sent += 1
                await asyncio.sleep(0.001)

        emitter = asyncio.create_task(keep_emitting())
        clients = [await connected(url, ["polling", "websocket"]), await connected(url, ["websocket"])]
        await wait_until(lambda: all(isinstance(s, DirectSocket) and s.frames for s in app.sio.eio.sockets.values()),
                         "both sockets on a direct websocket")
        await asyncio.sleep(0.2)
        stop.set()
        await emitter
        await wait_until(lambda: all(received and received[-1] == sent - 1 for _, received in clients),
                         "the last event at both clients")
        for client, received in clients:
            assert received == list(range(received[0], sent)), "a gap or a reordering"
            assert client.transport() == "websocket"
            await client.disconnect()


async def test_acknowledgements_and_calls_work_on_a_direct_socket(tmp_path):
    async with running_app(base_conf(tmp_path)) as app, served(app) as url:
        client, _ = await connected(url, ["websocket"])
        (sid,) = app.sio.manager.rooms["/"][None]
        assert await app.sio.call("ask", 21, to=sid, timeout=5) == 42
        await client.disconnect()
        await wait_until(lambda: not app.sio.eio.sockets, "the socket gone")


async def test_without_a_direct_connection_sockets_keep_python_engineios_writer(tmp_path):
    """Under another websocket implementation (uvicorn's own wsproto here) nothing is written directly."""
    async with running_app(base_conf(tmp_path)) as app:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, ws="wsproto", lifespan="off", log_config=None))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        await wait_until(lambda: server.started, "uvicorn started")
        try:
            client, received = await connected(f"http://127.0.0.1:{sock.getsockname()[1]}", ["websocket"])
            for n in range(50):
                await app.emit("seq", n)
            await wait_until(lambda: len(received) == 50, "50 events")
            assert received == list(range(50))
            assert [type(s).__name__ for s in app.sio.eio.sockets.values()] == ["AsyncSocket"]
            await client.disconnect()
        finally:
            server.should_exit = True
            await task
            sock.close()


class StalledClient:
    """A websocket client that connects to socket.io, then never reads again (a frozen browser tab)."""

    async def open(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel absorbs little of the flood
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        self.reader, self.writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        await self.reader.readuntil(b"\r\n\r\n")
        await self.reader.readexactly(2)  # the Engine.IO open frame's header (a short frame) ...
        await self.reader.readuntil(b"}")  # ... and its JSON
        payload = b"40"  # socket.io connect to "/", masked with a zero key
        self.writer.write(bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
        await self.writer.drain()

    def close(self) -> None:
        self.writer.transport.abort()


async def test_a_client_that_does_not_read_is_cut_off_and_counted_while_the_others_get_everything(tmp_path):
    conf = base_conf(tmp_path)
    (conf / "00-server.toml").write_text((conf / "00-server.toml").read_text() + "socket_send_buffer = 64\n")
    async with running_app(conf) as app, served(app) as url:
        reader, received = await connected(url, ["websocket"])
        stalled = StalledClient()
        await stalled.open(url)
        await wait_until(lambda: len(app.sio.manager.rooms["/"][None]) == 2, "both socket.io connections")
        big = "x" * 16384
        sent = 0
        for sent in range(1, 2001):  # 32 MB at most: the stalled client must be cut off long before
            await app.emit("seq", [sent, big])
            if app.sio.eio.slow_disconnects:
                break
            await asyncio.sleep(0)
        assert app.sio.eio.slow_disconnects == 1, f"not cut off after {sent} events of 16 KiB"
        await wait_until(lambda: len(app.sio.eio.sockets) == 1, "the stalled socket gone")
        await wait_until(lambda: len(received) == sent, f"all {sent} events at the client that reads")
        assert [n for n, _ in received] == list(range(1, sent + 1))
        stalled.close()
        await reader.disconnect()


async def test_the_frames_of_one_turn_of_the_loop_go_out_in_one_write(tmp_path):
    async with running_app(base_conf(tmp_path)) as app, served(app) as url:
        client, received = await connected(url, ["websocket"])
        (socket_,) = app.sio.eio.sockets.values()
        transport, writes = socket_.frames.transport, []
        write = transport.write
        transport.write = lambda data: (writes.append(data), write(data))
        try:
            for n in range(10):  # a burst: ten events before the loop turns
                await app.emit("seq", n)
            await wait_until(lambda: len(received) == 10, "the burst at the client")
            assert received == list(range(10)) and len(writes) == 1
            await app.emit("seq", 10)
            await wait_until(lambda: len(received) == 11, "a single event")
            assert len(writes) == 2
        finally:
            transport.write = write
        await client.disconnect()
