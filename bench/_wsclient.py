"""A lean socket.io v4 client over a raw websocket (thousands per process), and a client process for the benchmarks.

Each connection speaks just what a phone-island socket does: Engine.IO open, socket.io connect, ``login``,
``authe_ok``, answers Engine.IO and websocket pings, and records when each ``extenUpdate`` arrives, by a key
read from its payload without decoding the JSON:

* ``status``: ``<exten>:<status>`` (the fan-out benchmark changes a different extension each time)
* ``channels``: each channel name in the conversation ids (the real-calls benchmark)

``deflate``: offer permessage-deflate, as browsers do (the server then compresses every message for every
socket; this client inflates them).

As a process: ``python bench/_wsclient.py`` reads one JSON line (``port``, ``logins`` [[accessKeyId, token]…],
``count``, ``keys``, ``deflate``), connects and logs in ``count`` sockets and prints ``ready <logged in>``.
Then the line ``count`` prints how many messages its sockets received so far, and the line ``report`` one
JSON line, ``{"first": {key: [monotonic arrival per socket]}, "messages": n, "bytes": n}``, and exits.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
import zlib
from collections.abc import Callable

HOST = "127.0.0.1"
EXTEN_UPDATE = b'42["extenUpdate",'
STATUS_KEY = re.compile(rb'"exten":"([^"]*)".*?"status":"([^"]*)"|"status":"([^"]*)".*?"exten":"([^"]*)"')
CONVERSATION_ID = re.compile(rb'"id":"([^">]*)>([^"]*)"')
MASK = b"\0\0\0\0"  # a zero mask key leaves the payload as it is: nothing to XOR
DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
DEFLATE_TAIL = b"\x00\x00\xff\xff"


def status_keys(payload: bytes) -> list[str]:
    m = STATUS_KEY.search(payload)
    if m is None:
        return []
    exten, status = (m[1], m[2]) if m[1] is not None else (m[4], m[3])
    return [f"{exten.decode()}:{status.decode()}"]


def channel_keys(payload: bytes) -> list[str]:
    return [name.decode() for m in CONVERSATION_ID.finditer(payload) for name in (m[1], m[2]) if name]


KEYS = {"status": status_keys, "channels": channel_keys, "none": lambda payload: []}


def ws_frame(text: str, opcode: int = 1) -> bytes:
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, 0x80 | size])
    elif size < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    return header + MASK + payload


class SocketIO(asyncio.Protocol):
    """One socket.io connection; ``on_update(keys, arrival)`` for every extenUpdate after authe_ok."""

    def __init__(self, port: int, login: tuple[str, str], keys: Callable[[bytes], list[str]],
                 on_update: Callable[[list[str], float], None], deflate: bool = False):
        self.port, self.login, self.keys, self.on_update = port, login, keys, on_update
        self.deflate = deflate
        self.inflater = None  # zlib.decompressobj once the server accepted permessage-deflate
        self.fresh_inflater = False  # server_no_context_takeover: one per message
        self.logged_in = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.messages = self.bytes = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                         f"Sec-WebSocket-Version: 13\r\n{DEFLATE_OFFER if self.deflate else ''}\r\n").encode())

    def connection_lost(self, exc) -> None:
        if not self.logged_in.done():
            self.logged_in.set_exception(ConnectionError(f"closed before authe_ok: {exc}"))

    def send(self, text: str, opcode: int = 1) -> None:
        self.transport.write(ws_frame(text, opcode))

    def data_received(self, data: bytes) -> None:
        arrival = time.monotonic()
        self.bytes += len(data)
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.transport.close()
                self.logged_in.done() or self.logged_in.set_exception(ConnectionError(buffer[:80].decode()))
                return
            headers = buffer[:end].lower()
            if b"permessage-deflate" in headers:
                self.inflater = zlib.decompressobj(-15)
                self.fresh_inflater = b"server_no_context_takeover" in headers
            self.upgraded, buffer = True, buffer[end + 4:]
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            compressed, opcode, length = buffer[pos] & 0x40, buffer[pos] & 0x0F, buffer[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                length, start = int.from_bytes(buffer[start:start + 2], "big"), start + 2
            elif length == 127:
                length, start = int.from_bytes(buffer[start:start + 8], "big"), start + 8
            if start > size or start + length > size:
                break
            payload = buffer[start:start + length]
            if compressed and self.inflater is not None:
                if self.fresh_inflater:
                    self.inflater = zlib.decompressobj(-15)
                payload = self.inflater.decompress(payload + DEFLATE_TAIL)
            self.frame(opcode, payload, arrival)
            pos = start + length
        self.buffer = buffer[pos:]

    def frame(self, opcode: int, payload: bytes, arrival: float) -> None:
        if opcode == 9:  # websocket ping
            self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + MASK + payload)
            return
        if opcode == 8:
            self.transport.close()
            return
        self.messages += 1
        if payload.startswith(EXTEN_UPDATE):
            self.on_update(self.keys(payload), arrival)
        elif payload == b"2":  # Engine.IO ping
            self.send("3")
        elif payload.startswith(b"0{"):  # Engine.IO open
            self.send("40")
        elif payload.startswith(b"40"):  # socket.io connected
            self.send("42" + json.dumps(["login", {"accessKeyId": self.login[0], "token": self.login[1]}]))
        elif payload.startswith(b'42["authe_ok"') and not self.logged_in.done():
            self.logged_in.set_result(True)
        elif payload.startswith(b'42["401"'):
            self.logged_in.done() or self.logged_in.set_exception(PermissionError(f"login of {self.login[0]} refused"))


class Clients:
    """``count`` logged-in sockets; the first arrival of every key at every socket."""

    def __init__(self, port: int, logins: list[tuple[str, str]], count: int, keys: str = "status",
                 deflate: bool = False):
        self.port, self.logins, self.count, self.keys, self.deflate = port, logins, count, KEYS[keys], deflate
        self.first: dict[str, list[float]] = {}
        self.sockets: list[SocketIO] = []

    async def connect(self, concurrency: int = 50, timeout: float = 60) -> int:
        """Connect and log in every socket, ``concurrency`` at a time; how many logged in."""
        loop = asyncio.get_running_loop()
        limit = asyncio.Semaphore(concurrency)

        async def one(index: int) -> None:
            seen: set[str] = set()

            def on_update(keys: list[str], arrival: float) -> None:
                for key in keys:
                    if key not in seen:
                        seen.add(key)
                        self.first.setdefault(key, []).append(arrival)

            async with limit:
                login = self.logins[index % len(self.logins)]
                _, sock = await loop.create_connection(
                    lambda: SocketIO(self.port, login, self.keys, on_update, self.deflate), HOST, self.port)
                self.sockets.append(sock)
                await sock.logged_in

        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(self.count)),
                                                        return_exceptions=True), timeout)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            print(f"wsclient: {len(failures)} sockets failed, first: {failures[0]!r}", file=sys.stderr)
        return self.count - len(failures)

    def close(self) -> None:
        for sock in self.sockets:
            if sock.transport is not None:
                sock.transport.close()

    def report(self) -> dict:
        return {"first": self.first, "messages": sum(s.messages for s in self.sockets),
                "bytes": sum(s.bytes for s in self.sockets)}


async def main() -> int:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config = json.loads(await reader.readline())
    logins = [tuple(login) for login in config["logins"]]
    clients = Clients(config["port"], logins, config["count"], config.get("keys", "status"),
                      config.get("deflate", False))
    ready = await clients.connect()
    print(f"ready {ready}", flush=True)
    while (line := (await reader.readline()).strip()) not in (b"report", b""):
        if line == b"count":
            print(sum(s.messages for s in clients.sockets), flush=True)
    if line == b"report":  # at end of input (the benchmark gave up) nobody reads it
        print(json.dumps(clients.report()), flush=True)
    clients.close()
    return 0


if __name__ == "__main__":
    try:  # the clients' own event loop in C when the bench extra is installed: less of the 2 cores for the load
        import uvloop
    except ImportError:
        sys.exit(asyncio.run(main()))
    sys.exit(uvloop.run(main()))
