"""AMI events to the plugins that subscribe: one bounded queue and one worker per plugin, AMI order kept.

Overflow policy: when a plugin's queue is full its *new* events are dropped (the others are not
slowed down); one warning is logged when it starts, and once the plugin has worked through its queue
it is told with its ``ami_events_dropped(app, count)`` hook, so that it can load its state again.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from loguru import logger

from nethcti.errors import StartupError

Handler = Callable[[Any, Any], Awaitable[None]]
ROUTE_CACHE_SIZE = 4096  # distinct event names; Asterisk has a few hundred
YIELD_EVERY = 64  # a worker with a backlog lets the event loop breathe this often


class Subscriber:
    """One plugin's handlers, queue and counters."""

    def __init__(self, plugin: str, handlers: Mapping[str, Handler], queue_size: int):
        self.plugin = plugin
        self.patterns = [(key.lower(), key, handler) for key, handler in handlers.items()]
        self.queue: asyncio.Queue = asyncio.Queue(queue_size)
        self.dropped = 0  # since start
        self.lost = 0  # in the current overflow, not yet reported to the plugin

    def match(self, lowered_name: str) -> tuple[Handler, ...]:
        """Handlers for an event name, in the plugin's mapping order (names and globs ignore case)."""
        return tuple(handler for pattern, _key, handler in self.patterns if fnmatchcase(lowered_name, pattern))

    def offer(self, event, handlers: tuple[Handler, ...]) -> None:
        try:
            self.queue.put_nowait((event, handlers))
        except asyncio.QueueFull:
            if not self.lost:
                logger.warning(
                    "plugin {}: AMI event queue full ({} events), dropping its events until it catches up",
                    self.plugin, self.queue.maxsize,
                )
            self.lost += 1
            self.dropped += 1

    async def work(self, app) -> None:
        queue = self.queue
        handled = 0
        while True:
            event, handlers = await queue.get()
            for handler in handlers:
                try:
                    await handler(app, event)
                except Exception as exc:
                    logger.opt(exception=exc).error(
                        "plugin {}: AMI handler {} for event {} failed: {!r}",
                        self.plugin, getattr(handler, "__qualname__", handler), event.get("Event"), exc,
                    )
            handled += 1
            if handled % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # queue.get() does not suspend while the queue has items
            if self.lost and queue.empty():
                count, self.lost = self.lost, 0
                logger.warning("plugin {}: caught up after losing {} AMI events", self.plugin, count)
                await call_plugin_hook(app.pm, self.plugin, "ami_events_dropped", app=app, count=count)


class Dispatcher:
    """Routes each event by name to the subscribers; the route of a name is computed once and cached."""

    def __init__(self, subscriptions: Iterable[tuple[str, Mapping[str, Handler]]], queue_size: int):
        self.subscribers = [
            Subscriber(plugin, checked_handlers(plugin, handlers), queue_size)
            for plugin, handlers in subscriptions
            if handlers
        ]
        self._routes: dict[str, tuple[tuple[Subscriber, tuple[Handler, ...]], ...]] = {}

    def start(self, app, spawn: Callable[[Any, str], asyncio.Task]) -> None:
        for subscriber in self.subscribers:
            spawn(subscriber.work(app), f"ami-events-{subscriber.plugin}")

    def dispatch(self, event, name: str) -> None:
        """Queue ``event`` for every plugin that subscribes to ``name``; never blocks, never raises."""
        routes = self._routes.get(name)
        if routes is None:
            routes = self._route(name)
        for subscriber, handlers in routes:
            subscriber.offer(event, handlers)

    def _route(self, name: str):
        if len(self._routes) >= ROUTE_CACHE_SIZE:
            self._routes.clear()
        lowered = name.lower()
        routes = tuple((s, handlers) for s in self.subscribers if (handlers := s.match(lowered)))
        self._routes[name] = routes
        return routes

    def status(self) -> dict[str, dict[str, int]]:
        return {s.plugin: {"queued": s.queue.qsize(), "dropped": s.dropped} for s in self.subscribers}


def checked_handlers(plugin: str, handlers) -> Mapping[str, Handler]:
    """What register_ami_handlers returned, checked at start-up so a mistake names the plugin."""
    if not isinstance(handlers, Mapping):
        raise StartupError(f"plugin {plugin!r}: register_ami_handlers must return a mapping, not {handlers!r}")
    for key, handler in handlers.items():
        if not isinstance(key, str) or not key:
            raise StartupError(f"plugin {plugin!r}: AMI handler key {key!r} must be an event name or glob")
        if not inspect.iscoroutinefunction(handler):
            raise StartupError(f"plugin {plugin!r}: AMI handler for {key!r} must be an async function")
    return handlers


async def call_plugin_hook(pm, plugin: str, hookname: str, **kwargs) -> None:
    """Call one plugin's implementation of a hook, if it has one; a failure is logged."""
    for impl in pm.implementations(hookname):
        if impl.plugin_name != plugin:
            continue
        try:
            result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            logger.opt(exception=exc).error("plugin {}: hook {} failed: {!r}", plugin, hookname, exc)
