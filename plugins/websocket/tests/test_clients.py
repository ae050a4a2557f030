"""The real clients' libraries against a real ``nethcti serve``: node socket.io-client@4 (phone-island's options)
and python-socketio's AsyncClient; reconnection with a new login after the server restarts."""

import httpx
from nethcti_websocket.testing import EventClient, NodeClient

from .conftest import rest_login


async def test_node_client_logs_in_pings_and_is_refused_a_bad_token(serve_process, node_script):
    server = await serve_process()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        token = await rest_login(http, "alice")
    node = await NodeClient.start(node_script, server.url, {"accessKeyId": "alice", "token": token}, ping_ms=200)
    bob = EventClient(server.url, {"accessKeyId": "bob", "token": await _token(server, "bob"), "uaType": "desktop"})
    bad = await NodeClient.start(node_script, server.url, {"accessKeyId": "alice", "token": "0" * 40})
    try:
        assert await node.wait_for("authe_ok") == {"message": "authorized successfully"}
        await node.wait_for("pong")
        await node.wait_for("pong", after=node.events.index(("pong", None)) + 1)  # every ping is acknowledged
        await bob.connect()
        await bob.wait_for("authe_ok")
        video = {"message": "videoCallStart", "destUser": "bob", "callUser": "alice"}
        await node.send(emit="message", data=video)
        assert await bob.wait_for("message") == video
        assert await bad.wait_for("401") == {"message": "unauthorized access"}
        assert await bad.wait_for("disconnect") == "io server disconnect"  # phone-island: "session expired"
        assert [name for name, _ in bad.events] == ["connect", "401", "disconnect"]
    finally:
        await bob.close()
        await node.close()
        await bad.close()


async def _token(server, login: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        return await rest_login(http, login)


async def test_clients_reconnect_and_log_in_again_after_a_restart(serve_process, node_script):
    server = await serve_process()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        # phone-island's token: persistent, so it outlives the server process (session tokens do not)
        session = await rest_login(http, "alice")
        response = await http.post("/webrest/authentication/phone_island_token_login", json={"subtype": "web"},
                                   headers={"Authorization": f"alice:{session}"})
        assert response.status_code == 200
        token = response.json()["token"]
    login = {"accessKeyId": "alice", "token": token, "uaType": "desktop"}
    node = await NodeClient.start(node_script, server.url, login)
    python = EventClient(server.url, dict(login, uaType="mobile"), reconnection=True)
    try:
        await node.wait_for("authe_ok")
        await python.connect()
        await python.wait_for("authe_ok")
        await server.restart()
        assert await node.wait_for("disconnect") == "transport close"
        await node.wait_for("authe_ok", after=node.events.index(("disconnect", "transport close")), timeout=30)
        await python.wait_for("disconnect")
        await python.wait_for("authe_ok", after=[name for name, _ in python.events].index("disconnect"), timeout=30)
        assert len(node.received("connect")) == len(python.received("connect")) == 2
        assert node.received("401") == python.received("401") == []
    finally:
        await python.close()
        await node.close()
