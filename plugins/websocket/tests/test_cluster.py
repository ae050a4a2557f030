"""Several processes, one service: two apps on a private redis-server share session tokens, login failures, the
sockets of each user (take-over, auto-rule hooks) and survive Redis going away (docs/cluster.md).

Waits poll with generous deadlines; the time Redis took to carry messages again is printed, not asserted.
"""

import asyncio
import time
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from nethcti_websocket import rooms as R

from nethcti import hookimpl
from nethcti.testing import wait_until

from .test_events import FakeModel

CLUSTER = """
[websocket]
redis_url = "{url}"
redis_channel = "cluster-test"
redis_timeout = 0.5
redis_check_interval = 0.5
takeover_timeout = 30
[auth]
max_login_failures = 3
"""


class HookProbe:
    """Records the auto-rule trigger points the websocket plugin calls in its process."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    async def ws_first_login(self, app, user):
        self.calls.append(("first", user.username))

    @hookimpl
    async def ws_last_logout(self, app, user):
        self.calls.append(("last", user.username))


@pytest.fixture
def cluster(make_server, private_redis):
    """``async with cluster() as (one, two)``: two apps on the same Redis, each with a HookProbe (``.probe``)."""

    @asynccontextmanager
    async def start(url: str | None = None):
        async with AsyncExitStack() as stack:
            servers = []
            for name in ("one", "two"):
                probe = HookProbe()
                conf = CLUSTER.format(url=url or private_redis.url)
                server = await stack.enter_async_context(make_server(
                    conf, [("fakemodel", FakeModel()), ("probe", probe)], name=name))
                server.probe = probe
                servers.append(server)
            yield servers

    return start


async def status(server) -> dict:
    return (await server.http.get("/status")).json()


async def redis_link(server) -> str:
    return (await status(server))["plugins"]["websocket"]["redis"]["link"]


async def settle(*servers) -> None:
    """Hooks queued so far have run, and a message in flight between processes had time to arrive."""
    for server in servers:
        await server.app.hooks_idle()
    await asyncio.sleep(0.5)
    for server in servers:
        await server.app.hooks_idle()


async def test_a_session_token_works_on_every_process_and_a_logout_anywhere_ends_it(cluster):
    async with cluster() as (one, two):
        token = await one.login("alice")
        headers = {"Authorization": f"alice:{token}"}
        check = "/webrest/authentication/phone_island_token_check"
        assert (await two.http.get(check, headers=headers)).status_code == 200
        socket_on_one = await one.client("alice", token)
        await two.client("alice", token, ua_type="mobile")  # the same token logs a socket in on the other process
        assert (await two.http.post("/webrest/authentication/logout", headers=headers)).status_code == 200
        answer = await one.http.get(check, headers=headers)
        assert answer.status_code == 401 and answer.json()["error_id"] == "invalid-token"
        await socket_on_one.wait_for("disconnect")  # revoked on two: its socket on one is closed too


async def test_login_failures_are_counted_across_processes(cluster):
    async with cluster() as (one, two):
        wrong = {"username": "bob", "password": "wrong"}
        for server in (one, two, one):
            assert (await server.http.post("/webrest/authentication/login", json=wrong)).status_code == 401
        answer = await two.http.post("/webrest/authentication/login", json={"username": "bob", "password": "bob-pw"})
        assert answer.status_code == 429 and answer.json()["error_id"] == "too-many-login-failures"


async def test_a_login_on_one_process_takes_over_the_socket_of_the_same_ua_type_on_the_other(cluster):
    async with cluster() as (one, two):
        desktop = await one.client("alice", ack_takeover=True)
        mobile = await one.client("alice", ua_type="mobile")
        # takeover_timeout is 30 s: the login completes within the 10 s of wait_for only if the ack crossed back
        await two.client("alice")
        await desktop.wait_for("takeOver")
        await settle(one, two)
        assert mobile.received("takeOver") == []


async def test_auto_rule_hooks_count_the_sockets_of_every_process(cluster):
    async with cluster() as (one, two):
        first = await one.client("alice", ua_type=None)
        await settle(one, two)
        assert one.probe.calls == [("first", "alice")] and two.probe.calls == []
        second = await two.client("alice", ua_type=None)
        await settle(one, two)
        assert two.probe.calls == []  # alice was already logged in, on the other process
        await first.close()
        await settle(one, two)
        assert one.probe.calls == [("first", "alice")] and two.probe.calls == []  # her socket on two remains
        await second.close()
        await wait_until(lambda: ("last", "alice") in two.probe.calls, "the last socket of alice closed")
        await settle(one, two)
        assert one.probe.calls == [("first", "alice")] and two.probe.calls == [("last", "alice")]


async def relay_crosses(sender, receiver, deadline: float = 20) -> float:
    """Seconds until a ``message`` relayed through Redis reaches the other process (sent again every 0.1 s)."""
    started = time.monotonic()
    count = len(receiver.received("message"))
    while len(receiver.received("message")) == count:
        assert time.monotonic() - started < deadline, "no message crossed between the processes"
        await sender.sio.emit("message", {"message": "ping", "destUser": "bob"})
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_redis_down_degrades_status_local_events_go_on_and_fan_out_resumes_when_it_returns(
        cluster, private_redis):
    async with cluster() as (one, two):
        alice, bob = await one.client("alice"), await two.client("bob")
        await relay_crosses(alice, bob)
        assert (await status(one))["status"] == "ok"

        private_redis.stop()
        for server in (one, two):
            await wait_until(lambda s=server: s.app.extensions["websocket"].shared.status()["ok"] is False,
                             "the Redis link is seen down", timeout=15)
            report = await status(server)
            assert report["status"] == "degraded" and report["plugins"]["websocket"]["redis"]["link"] == "down"
        await one.app.emit("voicemailCounter", {"n": 1}, to=R.EVERYONE)  # PBX-derived: local, Redis not asked
        await alice.wait_for("voicemailCounter")
        assert (await one.http.post("/webrest/authentication/login", json={"username": "carol",
                                                                           "password": "carol-pw"})).status_code == 401

        restarted = time.monotonic()
        await private_redis.start()
        delay = await relay_crosses(alice, bob)
        print(f"\ncross-process delivery resumed {time.monotonic() - restarted:.2f} s after redis-server started "
              f"(the relay itself: {delay:.2f} s)")
        for server in (one, two):
            await wait_until(lambda s=server: s.app.extensions["websocket"].shared.status()["ok"],
                             "the Redis link is up again", timeout=15)
            assert (await status(server))["status"] == "ok"


async def test_a_redis_that_never_answers_stalls_nothing(cluster, private_redis):
    async with cluster() as (one, _two):
        alice = await one.client("alice")
        private_redis.pause()  # connections are accepted, nothing is answered
        try:
            await wait_until(lambda: one.app.extensions["websocket"].shared.status()["ok"] is False,
                             "the Redis link is seen down", timeout=15)
            # a REST login and a socket login on this process alone, and its local events, while Redis hangs
            await one.client("carol")
            await one.app.emit("voicemailCounter", {"n": 2}, to=R.EVERYONE)
            await alice.wait_for("voicemailCounter")
            assert (await status(one))["status"] == "degraded"
        finally:
            private_redis.resume()
        await wait_until(lambda: one.app.extensions["websocket"].shared.status()["ok"], "the link is back",
                         timeout=15)


async def test_a_process_started_while_redis_is_unreachable_is_degraded_until_it_answers(
        cluster, private_redis, tmp_path):
    private_redis.stop()
    async with cluster() as (one, two):
        assert (await status(one))["status"] == "degraded" and await redis_link(one) == "down"
        await private_redis.start()
        for server in (one, two):
            await wait_until(lambda s=server: s.app.extensions["websocket"].shared.status()["ok"],
                             "the Redis link is up", timeout=15)
        alice, bob = await one.client("alice"), await two.client("bob")
        await relay_crosses(alice, bob)
