"""The supported testing API for plugin authors: conf.d in a temp dir, a running or served app, and (from the
plugins, imported only when used) a fake AMI, the demo PBX's configuration, the clients' login, a socket.io client.

Everything a plugin's tests need is imported from here (docs/testing.md); the plugins' own ``testing`` modules
are their private helpers.
"""

from __future__ import annotations

import asyncio
import socket
import textwrap
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

from quart.testing.app import LifespanError

from nethcti.app import NethctiApp
from nethcti.errors import StartupError
from nethcti.server import NethctiServer, bind, build

WAIT = 10.0  # seconds: the default bound of wait_until

# Helpers that live with the plugin they need, imported on first use: nethcti.testing imports no plugin, and
# the plugins' testing modules may import nethcti.testing without a cycle. name -> (plugin, module, attribute)
FROM_PLUGINS: dict[str, tuple[str, str, str]] = {
    "FakeAMI": ("ami", "nethcti_ami.testing", "FakeAMI"),
    "ami_conf": ("ami", "nethcti_ami.testing", "ami_conf"),
    "AMIProbe": ("ami", "nethcti_ami.testing", "AMIProbe"),
    "read_ami_transcript": ("ami", "nethcti_ami.testing", "read_transcript"),
    "demo_conf": ("astproxy", "nethcti_astproxy.testing", "demo_conf"),
    "users_conf": ("auth", "nethcti_auth.testing", "users_conf"),
    "DEMO_PASSWORDS": ("auth", "nethcti_auth.testing", "DEMO_PASSWORDS"),
    "log_in": ("auth", "nethcti_auth.testing", "log_in"),
    "client_token": ("auth", "nethcti_auth.testing", "client_token"),
    "EventClient": ("websocket", "nethcti_websocket.testing", "EventClient"),
    "SocketSession": ("websocket", "nethcti_websocket.testing", "SocketSession"),
}

__all__ = [
    "WAIT", "ApiClient", "base_conf", "free_port", "running_app", "served", "wait_until", "write_conf", *FROM_PLUGINS,
]

_running: weakref.WeakSet[NethctiApp] = weakref.WeakSet()  # apps inside running_app: started, not yet stopped


def __getattr__(name: str) -> Any:
    if name not in FROM_PLUGINS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    plugin, module, attribute = FROM_PLUGINS[name]
    try:
        value = getattr(import_module(module), attribute)
    except ModuleNotFoundError as exc:
        raise ImportError(f"nethcti.testing.{name} needs the {plugin} plugin installed (nethcti-{plugin}): "
                          f"{exc}", name=__name__) from exc
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(FROM_PLUGINS))


def write_conf(conf_dir: Path, name: str, text: str) -> Path:
    """Write one drop-in (``name`` like ``50-test.toml``) into ``conf_dir``, creating it."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    path = conf_dir / name
    path.write_text(textwrap.dedent(text))
    return path


def base_conf(tmp_path: Path, extra: str = "") -> Path:
    """A conf.d with a [server] section whose state lives in ``tmp_path``, plus ``extra`` TOML."""
    conf_dir = tmp_path / "conf.d"
    write_conf(conf_dir, "00-server.toml", f'[server]\nstate_dir = "{tmp_path / "state"}"\n')
    if extra:
        write_conf(conf_dir, "50-test.toml", extra)
    return conf_dir


@asynccontextmanager
async def running_app(conf_dir: Path, extra_plugins: Iterable[tuple[str, object]] = ()) -> AsyncIterator[NethctiApp]:
    """Build the app from ``conf_dir`` and run its start-up and shutdown around the block.

    ``extra_plugins``: (name, plugin object) pairs registered as if installed and enabled. Requests go through
    ``app.test_client()``; ``served(app)`` inside the block serves it on a real port. A failing start-up raises
    StartupError with the plugin's message, as ``nethcti serve`` reports it.
    """
    app = build(conf_dir, extra_plugins)
    try:
        test_app = await app.test_app().__aenter__()
    except LifespanError as exc:
        raise StartupError(str(exc).removeprefix("Error during startup ")) from None
    _running.add(app)
    try:
        yield app
    finally:
        _running.discard(app)
        await test_app.__aexit__(None, None, None)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def served(app: NethctiApp, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 in this event loop, as ``nethcti serve`` does; its URL (``http://127.0.0.1:N``).

    Alone, it runs the app's start-up and shutdown too (a failed start-up raises StartupError). Inside
    ``running_app``, it serves the app already started and leaves start-up and shutdown to running_app.
    """
    started = app in _running
    sock = bind("127.0.0.1", port or 0)
    port = sock.getsockname()[1]
    server = NethctiServer(app, handle_signals=False, graceful_timeout=1, lifespan=not started)
    task = asyncio.create_task(server.run_until_stopped(sock), name=f"served-{port}")
    try:
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if task.done():
            task.result()  # start-up failed: raise it here
        yield f"http://127.0.0.1:{port}"
    finally:
        if started:
            server.should_exit = True  # the app goes on; running_app stops it
        else:
            app.stopping.set()  # as `nethcti serve` on SIGTERM
        async with asyncio.timeout(15):
            await task
        sock.close()


async def wait_until(predicate: Callable[[], Any], what: str, timeout: float = WAIT) -> None:
    """Poll ``predicate()`` until true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.01)


class ApiClient:
    """HTTP calls to a running app as the test users, each logged in once by the clients' nonce login.

    ``prefix`` is put before every path (``"/webrest/phonebook/"``); every call checks the status code and
    returns the JSON body. Passwords are ``<user>-pw`` (the demo users') unless ``passwords`` says otherwise.
    """

    def __init__(self, app: NethctiApp, prefix: str = "/webrest", passwords: dict[str, str] | None = None):
        self.app, self.prefix, self.passwords = app, prefix, passwords or {}
        self.client = app.test_client()
        self.logins: dict[str, dict] = {}

    async def headers(self, user: str) -> dict:
        """The ``Authorization`` header of ``user`` (logged in on first use)."""
        if user not in self.logins:
            log_in = __getattr__("log_in")  # from the auth plugin, imported on first use
            self.logins[user] = await log_in(self.client, user, self.passwords.get(user, f"{user}-pw"))
        return self.logins[user]

    async def call(self, method: str, path: str, user: str = "alice", status: int = 200, body: Any = None,
                   **request: Any) -> Any:
        if body is not None:
            request["json"] = body
        response = await self.client.open(self.prefix + path, method=method, headers=await self.headers(user),
                                          **request)
        data = await response.get_json()
        assert response.status_code == status, (method, path, user, response.status_code, data)
        return data

    async def get(self, path: str, user: str = "alice", status: int = 200, **query: Any) -> Any:
        return await self.call("GET", path, user, status, **({"query_string": query} if query else {}))

    async def post(self, path: str, body: Any, user: str = "alice", status: int = 200) -> Any:
        return await self.call("POST", path, user, status, body)

    async def delete(self, path: str, user: str = "alice", status: int = 200) -> Any:
        return await self.call("DELETE", path, user, status)
