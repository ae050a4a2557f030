"""Domain events (``app.notify``) reach each plugin on its own ordered, bounded queue."""

import asyncio
import time

from loguru import logger

from nethcti import hookimpl
from nethcti.hookspecs import hookspec
from nethcti.testing import base_conf, running_app


class Specs:
    @hookspec
    async def thing_happened(self, app, number):
        """Async. A producer's domain event."""


class Producer:
    hookspecs = Specs


class Recorder:
    def __init__(self, delay: float = 0, block: float = 0, fail_on: int | None = None):
        self.delay, self.block, self.fail_on = delay, block, fail_on
        self.heard: list[int] = []
        self.apps: list = []

    @hookimpl
    async def thing_happened(self, app, number):
        if number == self.fail_on:
            raise RuntimeError("a plugin's bug")
        time.sleep(self.block)  # a plugin author's mistake: blocking the event loop
        await asyncio.sleep(self.delay)
        self.heard.append(number)
        self.apps.append(app)


def app_with(tmp_path, extra="", **plugins):
    return running_app(base_conf(tmp_path, extra), extra_plugins=[("producer", Producer()), *plugins.items()])


async def test_notify_returns_before_the_plugins_run_and_each_hears_in_order(tmp_path):
    fast, slow = Recorder(), Recorder(delay=0.2)
    async with app_with(tmp_path, fast=fast, slow=slow) as app:
        for number in range(5):
            await app.notify("thing_happened", number=number)  # no app=app: it is passed for the plugin
        assert fast.heard == slow.heard == []
        while len(fast.heard) < 5:
            await asyncio.sleep(0.01)
        assert slow.heard == []  # still on its first call; the fast plugin did not wait for it
        await app.hooks_idle()
        assert fast.heard == slow.heard == [0, 1, 2, 3, 4]
        assert fast.apps[0] is app


async def test_a_failing_call_is_logged_and_the_next_ones_still_come(tmp_path):
    flaky = Recorder(fail_on=1)
    lines = []
    sink = logger.add(lambda message: lines.append(str(message)), level="ERROR")
    try:
        async with app_with(tmp_path, flaky=flaky) as app:
            for number in range(3):
                await app.notify("thing_happened", number=number)
            await app.hooks_idle()
    finally:
        logger.remove(sink)
    assert flaky.heard == [0, 2]
    assert any("plugin flaky: hook thing_happened failed" in line for line in lines)


async def test_a_full_queue_drops_new_calls_and_counts_them_in_status(tmp_path):
    slow = Recorder(delay=0.05)
    async with app_with(tmp_path, "[server]\nhook_queue_size = 3\n", slow=slow) as app:
        for number in range(10):
            await app.notify("thing_happened", number=number)
        status = await (await app.test_client().get("/status")).get_json()
        queue = status["plugins"]["slow"]["hook_queue"]
        assert queue["dropped"] == 7 and queue["queued"] in (2, 3)  # the worker may have taken the first
        await app.hooks_idle()
    assert slow.heard == [0, 1, 2]


async def test_a_hook_that_blocks_the_event_loop_is_named_in_the_log(tmp_path):
    blocking, polite = Recorder(block=0.25), Recorder(delay=0.25)
    lines = []
    sink = logger.add(lambda message: lines.append(str(message)), level="WARNING")
    try:
        async with app_with(tmp_path, blocking=blocking, polite=polite) as app:
            await app.notify("thing_happened", number=1)
            await app.hooks_idle()
    finally:
        logger.remove(sink)
    warnings = [line for line in lines if "blocked the event loop" in line]
    assert len(warnings) == 1 and "plugin blocking: hook thing_happened" in warnings[0]
