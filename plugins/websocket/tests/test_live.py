"""Against a real Asterisk (the demo PBX), through the ami and astproxy plugins: a call rings, is answered
and hung up while phone-island-like clients (python-socketio and node socket.io-client@4) watch."""

import asyncio

import pytest
from nethcti_websocket.testing import NodeClient

from nethcti import hookimpl

pytestmark = pytest.mark.live


def pbx_conf(pbx) -> str:
    ami = pbx.ami_info()
    return f"""
        [ami]
        enabled = true
        host = "{ami['host']}"
        port = {ami['port']}
        username = "{ami['username']}"
        secret = "{ami['secret']}"
        reconnect_min = 0.2
        reconnect_max = 1
        [astproxy]
        enabled = true
        [presence]
        enabled = true
    """


async def originate(pbx, source: str, number: str) -> None:
    """A call from ``source``'s phone (sipp answers it at once) to ``number``, as click-to-call does it."""

    def run():
        with pbx.ami() as ami:
            response = ami.action("Originate", Channel=f"PJSIP/{source}", Context="from-internal", Exten=number,
                                  Priority="1", Async="true", CallerID=f"<{source}>")
            assert response.get("Response") == "Success", response

    await asyncio.to_thread(run)


def exten_update(exten: str, where=lambda data: True):
    return lambda data: data.get("exten") == exten and where(data)


def main_presence(username: str, status: str):
    return lambda data: data == {"mainPresence": {"username": username, "status": status}}


async def model_ready(server, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not server.app.extensions["astproxy"].ready:
            await asyncio.sleep(0.05)


async def test_a_call_rings_is_answered_and_hung_up(make_server, demo_pbx_clean, node_script):
    pbx = demo_pbx_clean
    async with make_server(pbx_conf(pbx)) as server:
        await model_ready(server)
        alice = await server.client("alice", ua_type=None)  # no uaType: the node client takes over nothing
        node = await NodeClient.start(node_script, server.url,
                                      {"accessKeyId": "alice", "token": await server.login("alice")})
        carol = await server.client("carol")  # privacy: alice's call reaches her masked
        try:
            await node.wait_for("authe_ok")
            await originate(pbx, "202", "201")
            for client in (alice, node):
                ringing = await client.wait_for("extenRinging")
                assert ringing["callerNum"] == "202" and ringing["callerHasConf"] is False
                in_call = await client.wait_for("extenUpdate", exten_update("201", lambda d: d["conversations"]))
                assert in_call["username"] == "alice"
                assert await client.wait_for("extenConnected") == {"extenConnected": "201"}
                connected = await client.wait_for("extenConvConnected")
                assert (connected["num1"], connected["num2"], connected["throughTrunk"]) == ("201", "202", False)
                update = await client.wait_for("extenUpdate", exten_update(
                    "201", lambda d: any(c["connected"] for c in d["conversations"].values())))
                (conversation,) = update["conversations"].values()
                assert conversation["counterpartNum"] == "202"
                await client.wait_for("userMainPresenceUpdate", main_presence("alice", "busy"))
            masked = await carol.wait_for("extenUpdate", exten_update(
                "201", lambda d: any(c["connected"] for c in d["conversations"].values())))
            (conversation,) = masked["conversations"].values()
            assert conversation["counterpartNum"] != "202" and conversation["counterpartNum"].endswith("xxx")
            assert carol.received("extenRinging") == carol.received("extenConnected") == []

            await asyncio.to_thread(pbx.hangup_all)
            for client in (alice, node):
                hangup = await client.wait_for("extenHangup")
                assert hangup["channelExten"] == "201" and hangup["cause"] == "normal_clearing"
                await client.wait_for("extenUpdate", exten_update(
                    "201", lambda d: not d["conversations"] and d["status"] == "online"))
                await client.wait_for("userMainPresenceUpdate", main_presence("alice", "online"))
                statuses = [d["mainPresence"]["status"] for name, d in client.events
                            if name == "userMainPresenceUpdate" and d["mainPresence"]["username"] == "alice"]
                assert statuses[-2:] == ["busy", "online"] and set(statuses) <= {"ringing", "busy", "online"}
            assert carol.received("extenHangup") == []
        finally:
            await node.close()


async def test_server_reloaded_after_the_model_is_rebuilt_on_ami_reconnect(make_server, fresh_pbx):
    async with make_server(pbx_conf(fresh_pbx)) as server:
        await model_ready(server)
        alice = await server.client("alice")
        await asyncio.to_thread(fresh_pbx.restart)
        await alice.wait_for("serverReloaded", timeout=30)
        assert alice.disconnects == [] and await alice.ping()


class Sleepy:
    """A third party's plugin whose domain hooks each take 5 s, and which checks the model it is told about."""

    def __init__(self):
        self.first_hangup_done = asyncio.Event()
        self.half_updated: list[str] = []

    @hookimpl
    async def extension_changed(self, app, extension):
        if extension.status == "busy" and not extension.channels:  # what it once saw mid-update
            self.half_updated.append(extension.exten)
        await asyncio.sleep(5)

    @hookimpl
    async def extension_hangup(self, app, hangup):
        await asyncio.sleep(5)
        self.first_hangup_done.set()


async def test_a_slow_plugin_delays_only_itself(make_server, demo_pbx_clean):
    """Its hooks queue up on its own; every client still gets each event while it sleeps through the first."""
    pbx, sleepy = demo_pbx_clean, Sleepy()
    async with make_server(pbx_conf(pbx), plugins=[("sleepy", sleepy)]) as server:
        await model_ready(server)
        alice = await server.client("alice")
        await originate(pbx, "202", "201")
        await alice.wait_for("extenConvConnected")
        await asyncio.to_thread(pbx.hangup_all)
        hangup = await alice.wait_for("extenHangup")
        await alice.wait_for("extenUpdate", exten_update("201", lambda d: not d["conversations"]))
        assert hangup["channelExten"] in ("201", "202")
        # the clients got the whole call while the plugin was still asleep in its first hooks
        assert not sleepy.first_hangup_done.is_set()
        status = (await server.http.get("/status")).json()["plugins"]["sleepy"]["hook_queue"]
        assert status["queued"] > 0 and status["dropped"] == 0
        token = {"Authorization": f"alice:{await server.login('alice')}"}
        rest = (await server.http.get("/astproxy/extension/201", headers=token)).json()
        assert rest["conversations"] == {} and rest["status"] == "online"
    assert sleepy.half_updated == []
