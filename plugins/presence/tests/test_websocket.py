"""Presence as the clients receive it: the app served with the websocket plugin, a python-socketio client
logged in as phone-island, and the demo PBX making a real call."""

import asyncio
from contextlib import asynccontextmanager

import pytest
from nethcti_ami.testing import wait_until
from nethcti_presence.testing import PASSWORDS, presence_conf
from nethcti_websocket.testing import SocketSession, served

from nethcti.server import build

pytestmark = pytest.mark.live


@asynccontextmanager
async def serving(tmp_path, pbx, extra: str = ""):
    info = pbx.ami_info()
    conf = presence_conf(tmp_path, info["port"], info["username"], info["secret"],
                         extra="[websocket]\nenabled = true\n" + extra, reconnect_min=0.05, reconnect_max=0.3)
    app = build(conf)
    async with served(app) as url:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
        session = SocketSession(app, url, PASSWORDS)
        try:
            yield session
        finally:
            await session.close()


def main_presence(status: str):
    return lambda data: data == {"mainPresence": {"username": "alice", "status": status}}


async def test_bob_sees_alice_busy_during_a_real_call(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx) as session:
        bob = await session.client("bob")

        def call():
            with pbx.ami() as ami:
                ami.action("Originate", Channel="PJSIP/202", Context="from-internal", Exten="201", Priority="1",
                           Async="true", CallerID="<202>")

        await asyncio.to_thread(call)
        await bob.wait_for("userMainPresenceUpdate", main_presence("busy"))
        await asyncio.to_thread(pbx.hangup_all)
        await bob.wait_for("userMainPresenceUpdate", main_presence("online"))
        seen = [(d["mainPresence"]["username"], d["mainPresence"]["status"])
                for d in bob.received("userMainPresenceUpdate")]
        for username in ("alice", "bob"):  # both phones ring (sipp answers at once), talk, hang up
            statuses = [status for name, status in seen if name == username]
            assert statuses[-2:] == ["busy", "online"] and set(statuses) <= {"ringing", "busy", "online"}, seen
        assert bob.received("userPresenceUpdate") == []

        response = await session.http.post("/webrest/user/presence", headers=await session.headers("alice"),
                                           json={"status": "callforward", "to": "203"})
        assert response.status_code == 200, response.text
        update = await bob.wait_for("userPresenceUpdate")
        assert update == {"presence": {"username": "alice", "status": "callforward", "to": "203"}}
        await bob.wait_for("userMainPresenceUpdate", lambda data: data["mainPresence"] == {
            "username": "alice", "status": "callforward", "to": "203"})


async def test_dnd_on_when_the_last_desktop_client_leaves(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx) as session:
        response = await session.http.post("/webrest/user/settings", headers=await session.headers("alice"),
                                           json={"auto_dndon_logout": True, "auto_dndoff_login": True})
        assert response.status_code == 200, response.text
        alice = await session.client("alice")
        await alice.close()
        await wait_until(lambda: pbx.db_get("DND", "201") == "YES" and pbx.db_get("DND", "91201") == "YES",
                         "alice is in DND on both devices")
        await session.client("alice")
        await wait_until(lambda: pbx.db_get("DND", "201") is None and pbx.db_get("DND", "91201") is None,
                         "DND off again when alice is back")


# alice may log herself in to queues; 201 is a dynamic agent of queue 402 (as ast_objects.json lists them)
QUEUE_AGENT = """
[users.profiles.full]
permissions = ["settings.dnd", "settings.call_forward", "presence_panel", "queue_agent"]
[astproxy.queues.402]
dynmembers = ["201"]
"""


async def test_queue_auto_login_and_logout_follow_the_desktop_clients(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx, QUEUE_AGENT) as session:
        agent = session.app.extensions["astproxy"].queue("402").members["201"]
        assert not agent.logged_in
        headers = await session.headers("alice")
        response = await session.http.post("/webrest/user/settings", headers=headers,
                                           json={"queue_auto_login": True, "queue_auto_logout": True})
        assert response.status_code == 200, response.text

        alice = await session.client("alice")
        await wait_until(lambda: agent.logged_in, "alice's first client logged 201 in to queue 402")
        assert "Local/201@from-queue/n" in pbx.cli("queue show 402")
        response = await session.http.post("/webrest/astproxy/queuemember_pause", headers=headers,
                                           json={"endpointId": "201", "queueId": "402", "reason": "lunch"})
        assert response.status_code == 200, response.text
        await wait_until(lambda: agent.paused, "201 paused")

        await alice.close()
        await wait_until(lambda: not agent.logged_in, "alice's last client gone: 201 logged out of 402")
        assert "Local/201@from-queue/n" not in pbx.cli("queue show 402")
        log = pbx.cli("queue show 402")
        assert "201" not in log, log


async def test_no_queue_rule_without_its_setting(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx, QUEUE_AGENT) as session:
        agent = session.app.extensions["astproxy"].queue("402").members["201"]
        response = await session.http.post("/webrest/user/settings", headers=await session.headers("alice"),
                                           json={"auto_dndon_logout": True, "auto_dndoff_login": True})
        assert response.status_code == 200, response.text
        alice = await session.client("alice")
        await alice.close()
        # the DND rule runs after the queue rule: once DND is on, the queue rule has had its turn
        await wait_until(lambda: pbx.db_get("DND", "201") == "YES", "alice's logout rules ran")
        await session.client("alice")
        await wait_until(lambda: pbx.db_get("DND", "201") is None, "alice's login rules ran")
        assert not agent.logged_in
        assert "Local/201@from-queue/n" not in pbx.cli("queue show 402")
