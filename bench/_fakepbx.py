"""A load-generating AMI server on loopback: banner, Login, Ping, CoreSettings, the list actions the loader
sends (through ``answer``, as nethcti_ami.testing.FakeAMI, so nethcti_astproxy.testing.fake_ami_answers
works with it), then events written as fast as the client reads them, or one at a time with a timestamp.
It counts every action it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterable

from _common import HOST

Answer = Callable[[dict[str, str]], list | None]
FULLY_BOOTED = (b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 10\r\nLastReload: 10\r\n"
                b"Status: Fully Booted\r\n\r\n")


class LoadPBX:
    def __init__(self, username: str = "nethcti", secret: str = "secret"):
        self.username, self.secret = username, secret
        self.actions: Counter[str] = Counter()  # action name -> how many were received
        self.port: int | None = None
        self.client: asyncio.StreamWriter | None = None
        self.logged_in = asyncio.Event()
        self._answers: dict[str, Answer] = {}
        self._server: asyncio.Server | None = None

    def answer(self, action: str, answer: Answer) -> None:
        self._answers[action.lower()] = answer

    async def start(self) -> LoadPBX:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.client is not None:
            self.client.transport.abort()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def __aenter__(self) -> LoadPBX:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def stream(self, chunks: Iterable[bytes]) -> int:
        """Write the chunks to the logged-in client, each after the previous one was taken; bytes written."""
        writer, written = self.client, 0
        for chunk in chunks:
            writer.write(chunk)
            written += len(chunk)
            await writer.drain()
        return written

    async def push(self, event: dict[str, str]) -> float:
        """Write one event; the monotonic time just before it was written."""
        data = ("".join(f"{k}: {v}\r\n" for k, v in event.items()) + "\r\n").encode()
        sent = time.monotonic()
        self.client.write(data)
        await self.client.drain()
        return sent

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        try:
            while True:
                fields = _parse(await reader.readuntil(b"\r\n\r\n"))
                self.actions[fields.get("Action", "?")] += 1
                writer.write(self._reply(fields, writer))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            if self.client is writer:
                self.client = None
                self.logged_in.clear()
            writer.transport.abort()

    def _reply(self, fields: dict[str, str], writer: asyncio.StreamWriter) -> bytes:
        name, action_id = fields.get("Action", "").lower(), fields.get("ActionID")
        if name in self._answers:
            replies = self._answers[name](fields) or []
        elif name == "login":
            if (fields.get("Username"), fields.get("Secret")) != (self.username, self.secret):
                return _encode({"Response": "Error", "Message": "Authentication failed"}, action_id)
            self.client = writer
            self.logged_in.set()
            return _encode({"Response": "Success", "Message": "Authentication accepted"}, action_id) + FULLY_BOOTED
        elif name == "ping":
            replies = [{"Response": "Success", "Ping": "Pong", "Timestamp": f"{time.time():.6f}"}]
        elif name == "coresettings":
            replies = [{"Response": "Success", "AMIversion": "5.0.1", "AsteriskVersion": "16.28.0-bench"}]
        else:
            replies = [{"Response": "Error", "Message": "Invalid/unknown command"}]
        return b"".join(_encode(reply, action_id) for reply in replies)


def _parse(block: bytes) -> dict[str, str]:
    fields = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return fields


def _encode(message: dict, action_id: str | None) -> bytes:
    headers = dict(message)
    if action_id is not None:
        first = {"Response": headers.pop("Response")} if "Response" in headers else {}
        headers = first | {"ActionID": action_id} | headers
    return ("".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n").encode()
