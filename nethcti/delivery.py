"""Domain events to the plugins that implement their hooks: one bounded, ordered queue and worker per plugin.

``app.notify(hook, …)`` returns as soon as each implementing plugin's call is queued, so the producer (the
PBX model) finishes its update before any plugin hears of it, and a slow plugin delays only its own queue.
Overflow: a full queue drops the plugin's *new* calls, counted in /status, one warning per overflow.
Every synchronous slice of a hook is timed: one that holds the event loop longer than ``BLOCKING_WARNING``
is logged with the plugin's name, since it delays every client and every other plugin.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Generator
from typing import Any

import pluggy
from loguru import logger

BLOCKING_WARNING = 0.1  # seconds one step of a hook may hold the event loop before it is reported
YIELD_EVERY = 64  # a worker with a backlog lets the event loop breathe this often


class Slice:
    """Reports a hook that blocked the event loop; the label names the plugin and the hook."""

    def __init__(self, plugin: str, hookname: str):
        self.plugin, self.hookname = plugin, hookname

    def check(self, seconds: float) -> None:
        if seconds > BLOCKING_WARNING:
            logger.warning("plugin {}: hook {} blocked the event loop for {:.0f} ms (do blocking work in a thread)",
                           self.plugin, self.hookname, seconds * 1000)


def timed(coroutine, report: Slice):
    """Await ``coroutine``, timing each step it runs between two suspensions (the time it holds the loop)."""
    return _Timed(coroutine, report)


class _Timed:
    __slots__ = ("coroutine", "report")

    def __init__(self, coroutine, report: Slice):
        self.coroutine, self.report = coroutine, report

    def __await__(self) -> Generator[Any, Any, Any]:
        steps = self.coroutine.__await__()
        send, value = steps.send, None
        while True:
            started = time.perf_counter()
            try:
                yielded = send(value)
            except StopIteration as done:
                self.report.check(time.perf_counter() - started)
                return done.value
            self.report.check(time.perf_counter() - started)
            try:
                value, send = (yield yielded), steps.send
            except BaseException as exc:  # thrown in by the task (cancellation): pass it on
                value, send = exc, steps.throw


class Mailbox:
    """One plugin's queue of pending hook calls, worked through in order by one task."""

    def __init__(self, plugin: str, size: int):
        self.plugin = plugin
        self.queue: asyncio.Queue = asyncio.Queue(size)
        self.dropped = 0  # since start
        self.unfinished = 0  # queued or running
        self.overflowing = False
        self.worker: asyncio.Task | None = None

    def offer(self, impl: pluggy.HookImpl, hookname: str, kwargs: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait((impl, hookname, kwargs))
            self.unfinished += 1
        except asyncio.QueueFull:
            if not self.overflowing:
                logger.warning("plugin {}: hook queue full ({} calls), dropping its new calls until it catches up",
                               self.plugin, self.queue.maxsize)
                self.overflowing = True
            self.dropped += 1

    async def work(self) -> None:
        queue, handled = self.queue, 0
        while True:
            impl, hookname, kwargs = await queue.get()
            try:
                await call_timed(impl, hookname, kwargs)
            finally:
                self.unfinished -= 1
                queue.task_done()
            handled += 1
            if handled % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # queue.get() does not suspend while the queue has items
            if self.overflowing and queue.empty():
                self.overflowing = False
                logger.warning("plugin {}: hook queue caught up; {} calls dropped since start", self.plugin,
                               self.dropped)


async def call_timed(impl: pluggy.HookImpl, hookname: str, kwargs: dict[str, Any]) -> None:
    """Call one implementation; a failure is logged with the plugin's name and does not stop the caller."""
    report = Slice(impl.plugin_name, hookname)
    try:
        started = time.perf_counter()
        result = impl.function(*(kwargs[arg] for arg in impl.argnames))
        report.check(time.perf_counter() - started)
        if inspect.isawaitable(result):
            await timed(result, report)
    except Exception as exc:
        logger.opt(exception=exc).error("plugin {}: hook {} failed: {!r}", impl.plugin_name, hookname, exc)


class Delivery:
    """The mailboxes of every plugin that implements a domain hook; ``app.notify`` puts calls in them."""

    def __init__(self, implementations: Callable[[str], list[pluggy.HookImpl]], spawn, queue_size: int):
        self.implementations, self.spawn, self.queue_size = implementations, spawn, queue_size
        self.mailboxes: dict[str, Mailbox] = {}
        self.closed = False

    def post(self, hookname: str, kwargs: dict[str, Any]) -> None:
        if self.closed:
            return
        for impl in self.implementations(hookname):
            mailbox = self.mailboxes.get(impl.plugin_name)
            if mailbox is None:
                mailbox = self.mailboxes[impl.plugin_name] = Mailbox(impl.plugin_name, self.queue_size)
                mailbox.worker = self.spawn(mailbox.work(), f"hooks-{impl.plugin_name}")
            mailbox.offer(impl, hookname, kwargs)

    async def idle(self) -> None:
        """Return once every call queued so far (and those they queue in turn) has been handled."""
        while any(mailbox.unfinished for mailbox in self.mailboxes.values()):
            await asyncio.gather(*(mailbox.queue.join() for mailbox in list(self.mailboxes.values())))

    def status(self, plugin: str) -> dict[str, int] | None:
        mailbox = self.mailboxes.get(plugin)
        return None if mailbox is None else {"queued": mailbox.queue.qsize(), "dropped": mailbox.dropped}
