"""create_app(settings, plugins) -> the ASGI app: Quart, plus socket.io at /socket.io, under the base path too.

Plugins may add path prefixes (the api plugin's ``/api``), each with a socket.io path of its own (``/api/ws``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import orjson
import socketio
from loguru import logger
from quart import Quart
from quart.json.provider import DefaultJSONProvider
from quart_cors import cors

from nethcti.config import Settings
from nethcti.delivery import Delivery
from nethcti.errors import StartupError
from nethcti.plugins import PluginManager
from nethcti.websocket import SOCKETIO_PATH, create_socketio

# As the original's proxy, so browsers may send what the NethVoice clients send.
CORS_ALLOW_HEADERS = [
    "X-Requested-With", "Access-Control-Allow-Origin", "X-HTTP-Method-Override", "Content-Type",
    "Authorization", "Accept", "User", "Secretkey", "WWW-Authenticate", "auth-exp",
]


class OrjsonProvider(DefaultJSONProvider):
    """Quart's JSON bodies encoded by orjson: 2.2x the throughput of a 1000-extension list (bench/README.md).

    Same output as Quart's default (keys sorted, dates as HTTP dates through ``default``), except non-ASCII
    written as UTF-8 rather than ``\\u`` escapes, as the original's ``JSON.stringify``. Indented output
    (debug mode) stays with the standard library.
    """

    OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() - {"separators"}:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s) if not kwargs else super().loads(s, **kwargs)


class NethctiApp(Quart):
    """The Quart app; plugins keep their services in ``app.extensions[<plugin name>]``."""

    json_provider_class = OrjsonProvider

    settings: Settings
    pm: PluginManager
    sio: socketio.AsyncServer
    stopping: asyncio.Event  # set when the server begins to shut down (SIGTERM, end of lifespan)
    delivery: Delivery  # the plugins' queues of domain events (notify)
    startup_failure: BaseException | None  # what a plugin's start-up raised

    def plugin_config(self, name: str) -> dict[str, Any]:
        """The validated conf.d section of plugin ``name``."""
        return self.settings.plugin(name)

    def spawn(self, coro: Coroutine, name: str) -> asyncio.Task:
        """Start a task the app owns: it is cancelled and awaited at shutdown, and a crash is logged."""
        task = asyncio.create_task(coro, name=name)
        self._owned_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._owned_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error("task {} crashed", task.get_name())

    async def cancel_tasks(self) -> None:
        tasks = list(self._owned_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def notify(self, hookname: str, **kwargs) -> None:
        """Queue a domain event for every plugin implementing ``hookname``; returns before any of them runs.

        Each plugin hears its events in order on its own queue (nethcti.delivery), so a slow plugin delays
        only itself; ``app`` is passed to the hook without being named here. A failure is logged.
        """
        kwargs.setdefault("app", self)
        self.delivery.post(hookname, kwargs)

    async def hooks_idle(self) -> None:
        """Wait until every domain event notified so far has been handled by every plugin (tests, shutdown)."""
        await self.delivery.idle()

    async def emit(self, event: str, data: Any = None, to: str | list[str] | None = None, *,
                   skip: str | list[str] | None = None, local: bool = True) -> None:
        """Send a socket.io event to rooms or socket ids (``to``), or to every socket; serialized once per call.

        ``skip``: socket ids left out. ``local`` (the default): only this process's sockets, right for anything
        every process derives itself from PBX events (with several processes sharing Redis, a fanned-out copy
        would arrive twice, and a hung Redis would stall it). ``local=False``: the sockets of every process,
        through the Redis manager, for what only this process knows (a REST change, a relayed message).
        """
        await self.sio.emit(event, data, to=to, skip_sid=skip, ignore_queue=local)


class BasePath:
    """ASGI middleware answering the same routes under each of ``prefixes`` (``/webrest`` behind NethVoice's proxy,
    ``/api``); ``request.root_path`` tells the handlers which one a request came through."""

    def __init__(self, app, *prefixes: str):
        self.app = app
        self.prefixes = [p.rstrip("/") for p in prefixes if p.rstrip("/")]

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "lifespan":
            for prefix in self.prefixes:
                if path == prefix or path.startswith(prefix + "/"):
                    scope = dict(scope, root_path=prefix)  # ASGI: path keeps the prefix, Quart strips root_path
                    break
        await self.app(scope, receive, send)


def path_prefixes(pm: PluginManager) -> dict[str, str | None]:
    """The plugins' path prefixes -> their socket.io paths; a prefix claimed twice is a start-up error."""
    prefixes: dict[str, str | None] = {}
    for plugin, declared in pm.call_each("register_path_prefixes"):
        for prefix, socketio_path in declared.items():
            if prefix in prefixes:
                raise StartupError(f"plugin {plugin!r} registers path prefix {prefix!r} a second time")
            prefixes[prefix] = socketio_path
    return prefixes


def create_app(settings: Settings, pm: PluginManager) -> NethctiApp:
    app = NethctiApp("nethcti", static_folder=None)  # no implicit /static: the static plugin serves it
    app.settings, app.pm = settings, pm
    app._owned_tasks = set()
    app.delivery = Delivery(pm.implementations, app.spawn, settings.server["hook_queue_size"])
    app.stopping = asyncio.Event()
    app.startup_failure = None
    pm.call_each("configure", app=app)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = True
    origins = settings.server["cors_origins"]
    cors(
        app,
        allow_origin="*" if "*" in origins else origins,
        allow_headers=CORS_ALLOW_HEADERS,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        expose_headers=["WWW-Authenticate"],
        max_age=86400,
    )
    for _plugin, blueprints in pm.call_each("register_routes"):
        for blueprint in blueprints if isinstance(blueprints, (list, tuple)) else [blueprints]:
            app.register_blueprint(blueprint)

    app.sio = create_socketio(app)
    prefixes = path_prefixes(pm)
    asgi_app = app.asgi_app
    for socketio_path in [SOCKETIO_PATH, *filter(None, prefixes.values())]:
        asgi_app = socketio.ASGIApp(app.sio, other_asgi_app=asgi_app, socketio_path=socketio_path)
    app.asgi_app = BasePath(asgi_app, settings.server["base_path"], *prefixes)

    @app.after_serving
    async def stop_plugins():
        app.stopping.set()
        app.delivery.closed = True
        await app.cancel_tasks()
        await pm.acall_each("shutdown", app=app, isolate=True, reverse=True)

    @app.before_serving
    async def start_plugins():
        try:
            await pm.acall_each("startup", app=app)
        except BaseException as exc:
            app.startup_failure = exc  # the ASGI server only logs it; `nethcti serve` exits with it
            await stop_plugins()  # shutdown hooks tolerate a plugin that never started
            raise

    return app
