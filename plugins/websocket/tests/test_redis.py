"""Several processes behind one proxy: two apps sharing a private redis-server through python-socketio's
AsyncRedisManager (skipped when redis-server is not installed: `apt-get install redis-server`)."""

import asyncio
import shutil
from contextlib import AsyncExitStack
from types import SimpleNamespace

import pytest
from nethcti_websocket import rooms as R
from nethcti_websocket.testing import PrivateRedis

from .test_events import FakeModel


@pytest.fixture
async def redis_url(tmp_path):
    pytest.importorskip("redis", reason="the redis package is not installed: pip install 'nethcti-websocket[redis]'")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the Redis fan-out is not tested")
    async with PrivateRedis(tmp_path) as server:
        yield server.url


@pytest.fixture
async def two_processes(make_server, redis_url):
    extra = f'[websocket]\nredis_url = "{redis_url}"\nredis_channel = "nethcti-test"\n'
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(make_server(extra, [("fakemodel", FakeModel())], name="one"))
        two = await stack.enter_async_context(make_server(extra, [("fakemodel", FakeModel())], name="two"))
        yield one, two


async def test_messages_and_app_events_reach_sockets_of_other_processes(two_processes):
    one, two = two_processes
    alice = await one.client("alice")  # each process knows only the tokens it granted
    bob = await two.client("bob")
    await asyncio.sleep(0.3)  # the managers' Redis subscriptions are up
    video = {"message": "videoCallStart", "destUser": "bob", "callUser": "alice"}
    await alice.sio.emit("message", video)
    assert await bob.wait_for("message") == video
    await one.app.emit("userProfileAvatarUpdate", {"username": "alice"}, to=R.EVERYONE, local=False)
    for client in (alice, bob):
        await client.wait_for("userProfileAvatarUpdate")


async def test_an_emit_stays_in_its_process_unless_it_says_local_false(two_processes):
    """Each process derives PBX events itself: a default emit fanned out too would reach every client twice."""
    one, two = two_processes
    alice, bob = await one.client("alice"), await two.client("bob")
    await asyncio.sleep(0.3)
    for server in (one, two):
        await server.app.emit("voicemailCounter", {"from": server.app.name}, to=R.EVERYONE)
    await alice.wait_for("voicemailCounter")
    await bob.wait_for("voicemailCounter")
    await asyncio.sleep(0.5)
    assert len(alice.received("voicemailCounter")) == len(bob.received("voicemailCounter")) == 1


async def test_pbx_events_are_told_by_each_process_to_its_own_sockets_once(two_processes):
    one, two = two_processes
    alice, bob = await one.client("alice"), await two.client("bob")
    await asyncio.sleep(0.3)
    # both processes see the same AMI event on their own links: each tells its own sockets
    extension = SimpleNamespace(exten="204", username="dave")
    for server in (one, two):
        await server.app.notify("extension_changed", app=server.app, extension=extension)
    await alice.wait_for("extenUpdate")
    await bob.wait_for("extenUpdate")
    await asyncio.sleep(0.5)
    assert len(alice.received("extenUpdate")) == len(bob.received("extenUpdate")) == 1
