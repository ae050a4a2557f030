"""Test helpers: a socket.io client that logs in as phone-island does (``nethcti.testing.EventClient``), and
the node socket.io-client@4 script as a subprocess, a private redis-server, and the stop of a ``nethcti serve``
subprocess. ``served`` and ``free_port`` are nethcti.testing's.

``EventClient`` needs python-socketio's client extra (aiohttp): ``pip install 'nethcti-websocket[test]'``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nethcti.testing import free_port, served

__all__ = ["EventClient", "NodeClient", "PrivateRedis", "Recorder", "SocketSession", "free_port", "served",
           "stop_process"]

EVENT_TIMEOUT = 10.0


class Recorder:
    """Events received, in order, as (name, data); awaitable by name and condition."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()

    async def _record(self, event: str, data: Any) -> None:
        async with self._changed:
            self.events.append((event, data))
            self._changed.notify_all()

    def received(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_for(self, event: str, where: Callable[[Any], bool] = lambda data: True,
                       timeout: float = EVENT_TIMEOUT, after: int = 0) -> Any:
        """The data of the first ``event`` (from index ``after`` of ``events``) for which ``where(data)`` holds."""

        def found():
            return next((d for n, d in self.events[after:] if n == event and where(d)), _MISSING)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: found() is not _MISSING)
        except TimeoutError:
            raise AssertionError(f"no {event!r} within {timeout} s; received: {self.events}") from None
        return found()


class EventClient(Recorder):
    """python-socketio's AsyncClient with phone-island's options; every event received is recorded in order.

    ``login`` (a dict ``{accessKeyId, token, uaType}``) is emitted on every connect, as phone-island does.
    """

    def __init__(self, url: str, login: dict | None = None, *, reconnection: bool = False, ack_takeover=False):
        import socketio

        super().__init__()
        self.url, self.login_payload = url, login
        self.disconnects: list[str] = []
        self.sio = socketio.AsyncClient(reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=1)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("*", self._on_event)
        self.ack_takeover = ack_takeover

    async def _on_connect(self):
        await self._record("connect", None)
        if self.login_payload is not None:
            await self.sio.emit("login", self.login_payload)

    async def _on_disconnect(self, reason=None):
        self.disconnects.append(str(reason))
        await self._record("disconnect", str(reason))

    async def _on_event(self, event, *args):
        if event == "takeOver" and self.ack_takeover:
            await self.sio.emit("takeOverAck")
        await self._record(event, args[0] if len(args) == 1 else (list(args) or None))

    async def connect(self) -> EventClient:
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=5)
        return self

    async def close(self) -> None:
        await self.sio.disconnect()

    async def __aenter__(self) -> EventClient:
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def ping(self, timeout: float = 5) -> bool:
        """phone-island's ping: True when the server acknowledges it."""
        acked = asyncio.get_running_loop().create_future()
        await self.sio.emit("ping", callback=lambda *args: acked.done() or acked.set_result(True))
        return await asyncio.wait_for(acked, timeout)


class SocketSession:
    """A served app seen from outside: an HTTP client, REST logins (nonce, then token) with ``passwords``, and
    socket.io clients logged in with those tokens as phone-island does. ``await close()`` ends them all."""

    def __init__(self, app, url: str, passwords: dict[str, str]):
        import httpx

        self.app, self.url, self.passwords = app, url, passwords
        self.http = httpx.AsyncClient(base_url=url, timeout=10)
        self.clients: list[EventClient] = []

    async def token(self, username: str) -> str:
        from nethcti_auth.testing import client_token, nonce_of

        password = self.passwords[username]
        return client_token(username, password, await nonce_of(self.http, username, password))

    async def headers(self, username: str) -> dict:
        return {"Authorization": f"{username}:{await self.token(username)}"}

    async def client(self, username: str) -> EventClient:
        client = EventClient(self.url, {"accessKeyId": username, "token": await self.token(username),
                                        "uaType": "desktop"})
        self.clients.append(client)
        await client.connect()
        await client.wait_for("authe_ok")
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        await self.http.aclose()


class NodeClient(Recorder):
    """The node socket.io-client@4 script (tests/client/client.js) as a subprocess; its events as JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process):
        super().__init__()
        self.process = process
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, script: Path, url: str, login: dict | None = None, *, ping_ms: int = 5000,
                    reconnect: bool = True) -> NodeClient:
        args = [str(script), url, "--ping-ms", str(ping_ms)]
        if login is not None:
            args += ["--login", login["accessKeyId"], "--token", login["token"], "--ua", login.get("uaType", "desktop")]
        if not reconnect:
            args.append("--no-reconnect")
        process = await asyncio.create_subprocess_exec(
            "node", *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return cls(process)

    async def _read(self) -> None:
        async for line in self.process.stdout:
            message = json.loads(line)
            await self._record(message["event"], message["data"])

    async def send(self, **command) -> None:
        """A command for the script: ``login={…}``, ``emit="message", data={…}``, ``close=True``."""
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self._reader


class PrivateRedis:
    """Debian's redis-server as a private instance on a loopback port (no persistence); it can be stopped and
    started again on the same port, or paused (SIGSTOP: it accepts connections and never answers).
    ``async with PrivateRedis(tmp_path) as server`` starts it and stops it after."""

    def __init__(self, workdir: Path, port: int | None = None, *, password: str | None = None):
        self.workdir, self.port, self.password = Path(workdir), port or free_port(), password
        self.url = f"redis://{f':{password}@' if password else ''}127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def missing() -> str | None:
        """Why it cannot run here, or None."""
        if shutil.which("redis-server") is None:
            return "redis-server is not installed (apt-get install redis-server)"
        try:
            import redis  # noqa: F401
        except ImportError:
            return "the redis package is not installed: pip install 'nethcti-websocket[redis]'"
        return None

    async def start(self, timeout: float = 10) -> PrivateRedis:
        password = ["--requirepass", self.password] if self.password else []
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), *password],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        async with asyncio.timeout(timeout):
            while True:
                try:
                    _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return self
                except OSError:
                    await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    async def __aenter__(self) -> PrivateRedis:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        self.stop()


async def stop_process(process: asyncio.subprocess.Process | None, timeout: float = 15) -> None:
    """SIGTERM (``nethcti serve`` stops cleanly), SIGKILL when it has not ended within ``timeout`` s."""
    if process is not None and process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()


_MISSING = object()
