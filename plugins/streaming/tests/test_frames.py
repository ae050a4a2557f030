"""Frames as the clients receive them: a python-socketio client logged in as phone-island, a real local camera;
images are fetched only while a socket is subscribed."""

import asyncio
import base64

import pytest
from nethcti_ami.testing import wait_until
from nethcti_streaming.testing import png

pytestmark = pytest.mark.asyncio


def frame_of(source: str):
    return lambda data: data["streaming"]["source"] == source and data["streaming"]["image"].startswith(
        "data:image/png;base64,")


async def test_frames_flow_to_subscribed_sockets_only_while_subscribed(streaming):
    async with streaming() as s:
        alice, alice_phone, dave = await s.client("alice"), await s.client("alice"), await s.client("dave")
        await asyncio.sleep(0.3)
        assert s.camera.count() == 0  # nobody subscribed: nothing fetched
        assert await s.post("subscribe", {"id": "vs_door"}) == {}
        first = await alice.wait_for("streamingSourceUpdate", frame_of("vs_door"))
        await alice_phone.wait_for("streamingSourceUpdate", frame_of("vs_door"))  # every socket of the user
        assert first == {"streaming": {"source": "vs_door",
                                       "image": "data:image/png;base64," + base64.b64encode(png(1)).decode()}}
        await wait_until(lambda: len(alice.received("streamingSourceUpdate")) >= 3, "frames keep coming")
        images = [d["streaming"]["image"] for d in alice.received("streamingSourceUpdate")]
        assert len(set(images)) == len(images)  # one fresh frame each time
        assert s.service.status()["streaming"] == ["vs_door"]

        assert await s.post("unsubscribe", {"id": "vs_door"}) == {}
        await wait_until(lambda: not s.service.pollers, "the frame task ended")
        fetched, received = s.camera.count(), len(alice.received("streamingSourceUpdate"))
        await asyncio.sleep(0.4)
        assert s.camera.count() == fetched and len(alice.received("streamingSourceUpdate")) == received
        assert dave.received("streamingSourceUpdate") == []  # never subscribed


async def test_frames_stop_when_the_subscribed_sockets_are_gone(streaming):
    async with streaming() as s:
        alice = await s.client("alice")
        await s.post("subscribe", {"id": "vs_door"})
        await alice.wait_for("streamingSourceUpdate", frame_of("vs_door"))
        await alice.close()
        await wait_until(lambda: not s.service.pollers, "the frame task ended with the last socket")
        fetched = s.camera.count()
        await asyncio.sleep(0.4)
        assert s.camera.count() == fetched
        await s.post("subscribe", {"id": "vs_door"})  # no socket: nothing to feed
        await asyncio.sleep(0.3)
        assert s.camera.count() == fetched and not s.service.pollers


async def test_one_fetch_per_frame_whatever_the_number_of_subscribers(streaming):
    async with streaming() as s:
        alice = await s.client("alice")
        await s.post("subscribe", {"id": "vs_door"})
        await s.post("subscribe", {"id": "vs_door"})  # twice: still one task
        await wait_until(lambda: len(alice.received("streamingSourceUpdate")) >= 4, "frames")
        images = [d["streaming"]["image"] for d in alice.received("streamingSourceUpdate")]
        assert len(set(images)) == len(images) and len(s.service.pollers) == 1
        assert s.camera.count() - len(images) <= 1


async def test_a_failing_source_sends_nothing_and_is_polled_while_subscribed(streaming):
    async with streaming() as s:
        alice = await s.client("alice")
        await s.post("subscribe", {"id": "vs_gone"})
        await wait_until(lambda: s.camera.count("/gone.png") >= 2, "the source is asked again")
        assert alice.received("streamingSourceUpdate") == []
        assert s.service.status()["fetch_failures"] >= 2
        await s.post("unsubscribe", {"id": "vs_gone"})
        await wait_until(lambda: not s.service.pollers, "the frame task ended")


async def test_shutdown_ends_the_frame_tasks(streaming):
    async with streaming() as s:
        await s.client("alice")
        await s.post("subscribe", {"id": "vs_door"})
        await wait_until(lambda: s.camera.count() >= 1, "a frame")
        tasks = list(s.service.pollers.values())
    assert all(task.done() for task in tasks)
