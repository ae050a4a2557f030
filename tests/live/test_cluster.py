"""Many processes, one service (docs/cluster.md): two `nethcti serve` on one conf.d (`--port`), one private
redis-server, one MariaDB, the demo PBX; clients may reach either process.

Every wait polls with a generous deadline; the time cross-process delivery took to resume after Redis came
back is printed, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from nethcti_auth.testing import client_token, nonce_of
from nethcti_presence.testing import PASSWORDS, presence_conf
from nethcti_websocket.testing import EventClient, free_port, stop_process

from nethcti.testing import wait_until

pytestmark = pytest.mark.live

WAIT = 20  # seconds: the bound of every wait below (a loaded 2-core machine)


class Process:
    """``nethcti serve --port <port>`` on the shared conf.d; stderr (loguru's default sink) in ``log``."""

    def __init__(self, conf_dir: Path, log: Path):
        self.conf_dir, self.log = conf_dir, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.AsyncClient(base_url=self.url, timeout=10)
        self.process: asyncio.subprocess.Process | None = None
        self.clients: list[EventClient] = []

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nethcti.cli", "--conf-dir", str(self.conf_dir), "serve", "--port",
                str(self.port), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT
        while (await self.status_or_none() or {}).get("status") != "ok":
            assert self.process.returncode is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{self.url} not ok: {self.log.read_text()[-3000:]}"
            await asyncio.sleep(0.1)

    async def status_or_none(self) -> dict | None:
        try:
            return (await self.http.get("/status")).json()
        except httpx.TransportError:
            return None

    async def status(self) -> dict:
        return (await self.http.get("/status")).json()

    async def token(self, username: str) -> str:
        password = PASSWORDS[username]
        return client_token(username, password, await nonce_of(self.http, username, password))

    async def client(self, username: str, token: str | None = None, ua_type: str | None = "desktop",
                     **kwargs) -> EventClient:
        payload = {"accessKeyId": username, "token": token or await self.token(username)}
        if ua_type is not None:
            payload["uaType"] = ua_type
        client = EventClient(self.url, payload, **kwargs)
        self.clients.append(client)
        await client.connect()
        await client.wait_for("authe_ok", timeout=WAIT)
        return client

    def log_lines(self, text: str) -> int:
        return self.log.read_text().count(text)

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()
        await self.http.aclose()
        await stop_process(self.process)


@pytest.fixture
def cluster(tmp_path, demo_pbx_clean, mariadb, private_redis):
    """``async with cluster() as (a, b)``: two started processes sharing Redis, MariaDB and the demo PBX."""

    @asynccontextmanager
    async def start():
        info = demo_pbx_clean.ami_info()
        extra = f"""
[database]
url = "{mariadb.create_database("cluster")}"
[websocket]
enabled = true
redis_url = "{private_redis.url}"
redis_timeout = 0.5
redis_check_interval = 0.5
takeover_timeout = 30
[api]
enabled = true
"""
        conf = presence_conf(tmp_path, info["port"], info["username"], info["secret"], extra=extra,
                             reconnect_min=0.05, reconnect_max=0.3)
        async with AsyncExitStack() as stack:
            processes = [Process(conf, tmp_path / f"{name}.log") for name in ("a", "b")]
            for process in processes:
                stack.push_async_callback(process.stop)
            # at once, as systemd starts nethcti@8179 and nethcti@8180: both create the tables of the shared database
            await asyncio.gather(*(process.start() for process in processes))
            yield processes

    return start


async def settle(seconds: float = 1.5) -> None:
    """Time for what should not happen (a second rule run, a duplicate event) to happen if it were going to."""
    await asyncio.sleep(seconds)


async def test_tokens_work_on_every_process_and_a_logout_anywhere_ends_them(cluster):
    async with cluster() as (a, b):
        # the nonce login's session token
        token = await a.token("alice")
        headers = {"Authorization": f"alice:{token}"}
        assert (await b.http.get("/webrest/user/me", headers=headers)).status_code == 200
        socket_on_a = await a.client("alice", token)
        assert (await b.http.post("/webrest/authentication/logout", headers=headers)).status_code == 200
        assert (await a.http.get("/webrest/user/me", headers=headers)).status_code == 401
        await socket_on_a.wait_for("disconnect", timeout=WAIT)

        # a persistent token (phone-island), removed on the other process: refused at once, not after a cache
        headers = {"Authorization": f"alice:{await a.token('alice')}"}
        island = (await a.http.post("/webrest/authentication/phone_island_token_login", headers=headers)).json()
        island_headers = {"Authorization": f"alice:{island['token']}"}
        assert (await a.http.get("/webrest/user/me", headers=island_headers)).status_code == 200  # cached on a
        assert (await b.http.get("/webrest/user/me", headers=island_headers)).status_code == 200
        removed = await b.http.post("/webrest/authentication/persistent_token_remove", headers=headers,
                                    json={"type": "phone-island"})
        assert removed.status_code == 200
        await wait_until_async(lambda: a.http.get("/webrest/user/me", headers=island_headers), 401)

        # the /api front's JWT
        login = await a.http.post("/api/login", json={"username": "bob", "password": PASSWORDS["bob"]})
        bearer = {"Authorization": f"Bearer {login.json()['token']}"}
        assert (await a.http.get("/api/user/me", headers=bearer)).status_code == 200  # cached on a
        assert (await b.http.get("/api/user/me", headers=bearer)).status_code == 200
        assert (await b.http.post("/api/logout", headers=bearer)).status_code == 200
        await wait_until_async(lambda: a.http.get("/api/user/me", headers=bearer), 401)


async def wait_until_async(request, status: int) -> None:
    """Until ``await request()`` answers ``status`` (a message between processes is on its way)."""
    deadline = time.monotonic() + WAIT
    while (answer := await request()).status_code != status:
        assert time.monotonic() < deadline, f"still {answer.status_code}, not {status}"
        await asyncio.sleep(0.05)


async def test_a_login_on_b_takes_over_the_socket_of_the_same_ua_type_on_a(cluster):
    async with cluster() as (a, b):
        desktop = await a.client("alice", ack_takeover=True)
        mobile = await a.client("alice", ua_type="mobile")
        # takeover_timeout is 30 s: this login completes within WAIT only because a's takeOverAck crossed back
        await b.client("alice")
        await desktop.wait_for("takeOver")
        await settle()
        assert mobile.received("takeOver") == []


async def test_the_logout_rules_run_once_when_the_last_socket_of_the_service_closes(cluster, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with cluster() as (a, b):
        headers = {"Authorization": f"alice:{await a.token('alice')}"}
        response = await a.http.post("/webrest/user/settings", headers=headers,
                                     json={"auto_dndon_logout": True, "auto_dndoff_login": True})
        assert response.status_code == 200, response.text

        def lines(hook: str) -> int:
            return sum(p.log_lines(f"of alice in the service{' closed' if hook == 'last_logout' else ''}: ws_{hook}")
                       for p in (a, b))

        on_a = await a.client("alice", ua_type=None)  # no uaType: no take-over between the two
        on_b = await b.client("alice", ua_type=None)
        await settle()
        assert lines("first_login") == 1
        await on_a.close()
        await settle()
        assert lines("last_logout") == 0 and pbx.db_get("DND", "201") is None  # her socket on b remains
        await on_b.close()
        await wait_until(lambda: pbx.db_get("DND", "201") == "YES", "alice in DND: her last socket closed",
                         timeout=WAIT)
        await settle()
        assert lines("last_logout") == 1
        assert b.log_lines("of alice in the service closed: ws_last_logout") == 1


CALL_EVENTS = ("extenRinging", "extenConvConnected", "extenHangup")


async def test_a_call_reaches_every_socket_once_on_both_processes(cluster, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with cluster() as (a, b):
        sockets = [await a.client("alice", ua_type=None), await b.client("alice", ua_type=None),
                   await a.client("dave"), await b.client("bob")]

        def call():
            with pbx.ami() as ami:
                ami.action("Originate", Channel="PJSIP/202", Context="from-internal", Exten="201", Priority="1",
                           Async="true", CallerID="<202>")

        await asyncio.to_thread(call)
        for alice in sockets[:2]:
            await alice.wait_for("extenConvConnected", timeout=WAIT)
        await asyncio.to_thread(pbx.hangup_all)
        for alice in sockets[:2]:
            await alice.wait_for("extenHangup", timeout=WAIT)
        await settle()
        on_a, on_b = sockets[:2]
        for name in CALL_EVENTS:
            payloads = [json.dumps(p, sort_keys=True) for p in on_a.received(name)]
            assert payloads and len(set(payloads)) == len(payloads), (name, payloads)  # none twice
            assert sorted(payloads) == sorted(json.dumps(p, sort_keys=True) for p in on_b.received(name)), name
        # extension updates: the sockets of one process hear the same ones (bob's masked: privacy); each process
        # derives them from its own AMI link, so their number may differ a little between processes (how AMI
        # events fell into the model's updates), but a copy fanned out again through Redis would double it
        updates = [[json.dumps(u, sort_keys=True) for u in s.received("extenUpdate") if u["exten"] == "201"]
                   for s in sockets]
        assert updates[0] and updates[0] == updates[2], updates  # alice and dave on a
        assert len(updates[1]) == len(updates[3]), updates  # alice and bob on b
        assert updates[0][-1] == updates[1][-1]  # the same state in the end
        assert len(updates[0]) < 1.5 * len(updates[1]) and len(updates[1]) < 1.5 * len(updates[0]), updates


async def test_redis_down_degrades_status_local_events_go_on_and_delivery_resumes_when_back(cluster, private_redis):
    async with cluster() as (a, b):
        alice_a, alice_b = await a.client("alice", ua_type=None), await b.client("alice", ua_type=None)
        bob_b = await b.client("bob")
        await relay_crosses(alice_a, bob_b)

        private_redis.stop()
        for process in (a, b):
            await wait_until_status(process, "degraded")
            assert (await process.status())["plugins"]["websocket"]["redis"]["link"] == "down"
        # PBX events come from each process's own AMI link: both processes' sockets keep getting them
        headers = {"Authorization": f"alice:{await a.token('alice')}"}  # a login on a alone
        for status in ("online", "dnd"):  # a change whatever an earlier test left
            response = await a.http.post("/webrest/user/presence", headers=headers, json={"status": status})
            assert response.status_code == 200, response.text
        for socket in (alice_a, alice_b):
            await socket.wait_for("userPresenceUpdate", lambda d: d["presence"]["status"] == "dnd", timeout=WAIT)
        response = await a.http.post("/webrest/user/presence", headers=headers, json={"status": "online"})
        assert response.status_code == 200, response.text

        restarted = time.monotonic()
        await private_redis.start()
        await relay_crosses(alice_a, bob_b)
        print(f"\ncross-process delivery resumed {time.monotonic() - restarted:.2f} s after redis-server started")
        for process in (a, b):
            await wait_until_status(process, "ok")


async def wait_until_status(process: Process, wanted: str) -> None:
    deadline = time.monotonic() + WAIT
    while (await process.status())["status"] != wanted:
        assert time.monotonic() < deadline, f"/status of {process.url} not {wanted!r}: {await process.status()}"
        await asyncio.sleep(0.1)


async def relay_crosses(sender: EventClient, receiver: EventClient) -> None:
    """Until a ``message`` relayed through Redis reaches the other process (sent again every 0.1 s)."""
    deadline = time.monotonic() + WAIT
    count = len(receiver.received("message"))
    while len(receiver.received("message")) == count:
        assert time.monotonic() < deadline, "no message crossed between the processes"
        await sender.sio.emit("message", {"message": "ping", "destUser": "bob"})
        await asyncio.sleep(0.1)
