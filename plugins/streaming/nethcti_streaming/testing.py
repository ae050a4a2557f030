"""Test helpers: a real HTTP server standing in for a camera (a door phone's snapshot URL)."""

from __future__ import annotations

import asyncio
import base64
import zlib

# A 1x1 PNG per frame number: the frames differ, so a test can tell them apart.


def png(shade: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    pixel = zlib.compress(bytes([0, shade % 256, 128, 64]))
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


class Camera:
    """``GET /snapshot.png`` answers a fresh PNG each time; ``/slow`` never answers in time; ``/page`` is HTML;
    ``/big`` is too large; ``/private.png`` needs Basic ``door:open``; anything else is 404.

    ``requests`` counts every request by path: a test sees when frames are (not) fetched.
    """

    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        self.frames = 0
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path: str = "/snapshot.png") -> int:
        return self.requests.get(path, 0)

    async def start(self) -> Camera:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def __aenter__(self) -> Camera:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._handlers.add(asyncio.current_task())
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            path = head.split(" ", 2)[1]
            self.requests[path] = self.requests.get(path, 0) + 1
            status, content_type, body = await self._answer(path, head)
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()
            self._handlers.discard(asyncio.current_task())

    async def _answer(self, path: str, head: str) -> tuple[str, str, bytes]:
        if path == "/snapshot.png":
            self.frames += 1
            return "200 OK", "image/png", png(self.frames)
        if path == "/private.png":
            expected = "Basic " + base64.b64encode(b"door:open").decode()
            if f"authorization: {expected}".lower() not in head.lower():
                return "401 Unauthorized", "text/plain", b"who are you?"
            return "200 OK", "image/jpeg", png(7)
        if path == "/slow":
            await asyncio.sleep(30)  # cancelled by stop()
        if path == "/page":
            return "200 OK", "text/html", b"<script>alert(1)</script>"
        if path == "/big":
            return "200 OK", "image/png", b"\0" * (64 << 10)
        return "404 Not Found", "text/plain", b"no such image"
