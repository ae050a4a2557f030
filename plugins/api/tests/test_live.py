"""Against the demo PBX: phone-island in new mode (JWT, /api/user/me, socket.io at /api/ws) sees a real call."""

import asyncio

import httpx
import pytest
from nethcti_api.testing import bearer
from nethcti_websocket.testing import EventClient, served

from nethcti.server import build
from nethcti.testing import write_conf

pytestmark = pytest.mark.live


def pbx_conf(conf_dir, pbx):
    ami = pbx.ami_info()
    write_conf(conf_dir, "50-pbx.toml", f"""
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
        [websocket]
        enabled = true
    """)
    return conf_dir


async def originate(pbx, source: str, number: str) -> None:
    def run():
        with pbx.ami() as ami:
            response = ami.action("Originate", Channel=f"PJSIP/{source}", Context="from-internal", Exten=number,
                                  Priority="1", Async="true", CallerID=f"<{source}>")
            assert response.get("Response") == "Success", response

    await asyncio.to_thread(run)


async def test_phone_island_new_mode_sees_a_real_call(conf_dir, demo_pbx_clean):
    pbx = demo_pbx_clean
    app = build(pbx_conf(conf_dir, pbx))
    async with served(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        async with asyncio.timeout(20):
            while not app.extensions["astproxy"].ready:
                await asyncio.sleep(0.05)
        response = await http.post("/api/login", json={"username": "alice", "password": "alice-pw"})
        token = response.json()["token"]
        me = await http.get("/api/user/me", headers=bearer(token))  # mode detection: 200 is the new mode
        assert me.status_code == 200 and me.json()["username"] == "alice"
        client = EventClient(url, {"accessKeyId": "alice", "token": token, "uaType": "desktop"})
        await client.sio.connect(url, transports=["websocket"], socketio_path="/api/ws", wait_timeout=5)
        try:
            await client.wait_for("authe_ok")
            await originate(pbx, "202", "201")
            ringing = await client.wait_for("extenRinging")
            assert ringing["callerNum"] == "202"
            update = await client.wait_for("extenUpdate", lambda d: d.get("exten") == "201" and any(
                c["connected"] for c in d["conversations"].values()))
            (conversation,) = update["conversations"].values()
            assert conversation["counterpartNum"] == "202"
            # hang up through the REST API under /api, as phone-island does
            response = await http.post("/api/astproxy/hangup_mainexten", headers=bearer(token), json={"exten": "201"})
            assert response.status_code == 200, response.text
            await client.wait_for("extenUpdate", lambda d: d.get("exten") == "201" and not d["conversations"])
        finally:
            await client.close()
