"""socket.io at /api/ws with the JWT as login token, as phone-island ≥ 0.16 connects; the legacy path unchanged."""

import asyncio

from nethcti_api.testing import bearer, enable_2fa
from nethcti_auth.testing import client_token
from nethcti_websocket.testing import EventClient, served

from nethcti.server import build
from nethcti.testing import write_conf

API_WS = "/api/ws"  # io("https://host", {path: "/api/ws", transports: ["websocket"]})


def ws_conf(conf_dir, extra: str = ""):
    write_conf(conf_dir, "50-websocket.toml", "[websocket]\nenabled = true\n" + extra)
    return conf_dir


async def connect(url: str, login: dict, path: str = API_WS) -> EventClient:
    client = EventClient(url, login)
    await client.sio.connect(url, transports=["websocket"], socketio_path=path, wait_timeout=5)
    return client


async def jwt_of(http_post, username: str) -> str:
    response = await http_post("/api/login", json={"username": username, "password": f"{username}-pw"})
    assert response.status_code == 200
    return response.json()["token"]


async def test_login_at_api_ws_with_the_jwt(conf_dir):
    import httpx

    async with served(build(ws_conf(conf_dir))) as url, httpx.AsyncClient(base_url=url) as http:
        token = await jwt_of(http.post, "alice")
        client = await connect(url, {"accessKeyId": "alice", "token": token, "uaType": "desktop"})
        try:
            assert await client.wait_for("authe_ok") == {"message": "authorized successfully"}
            assert await client.ping()
            # a JWT of someone else, or a forged one: 401 and disconnected
            for login in ({"accessKeyId": "bob", "token": token}, {"accessKeyId": "alice", "token": token + "x"}):
                refused = await connect(url, login)
                assert await refused.wait_for("401") == {"message": "unauthorized access"}
                await refused.wait_for("disconnect")
            # logout closes the sockets that logged in with that JWT
            assert (await http.post("/api/logout", headers=bearer(token))).status_code == 200
            await client.wait_for("disconnect")
        finally:
            await client.close()


async def test_the_legacy_path_keeps_hmac_tokens_and_api_ws_accepts_them_too(conf_dir):
    import httpx

    async with served(build(ws_conf(conf_dir))) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/webrest/authentication/login", json={"username": "bob", "password": "bob-pw"})
        token = client_token("bob", "bob-pw", response.headers["www-authenticate"].split(" ")[1])
        for path in ("/socket.io", API_WS):
            client = await connect(url, {"accessKeyId": "bob", "token": token}, path)
            try:
                await client.wait_for("authe_ok")
            finally:
                await client.close()
        jwt = await jwt_of(http.post, "bob")
        client = await connect(url, {"accessKeyId": "bob", "token": jwt}, "/socket.io")  # one server, two paths
        try:
            await client.wait_for("authe_ok")
        finally:
            await client.close()


async def test_a_jwt_waiting_for_its_otp_cannot_log_in(conf_dir):
    import httpx

    async with served(build(ws_conf(conf_dir))) as url, httpx.AsyncClient(base_url=url) as http:
        app_client = _QuartLike(http)
        await enable_2fa(app_client, "carol", await jwt_of(http.post, "carol"))
        pending = await jwt_of(http.post, "carol")
        client = await connect(url, {"accessKeyId": "carol", "token": pending})
        try:
            await client.wait_for("401")
        finally:
            await client.close()
        await asyncio.sleep(0)


class _QuartLike:
    """httpx behind the test helpers written for Quart's test client (``await response.get_json()``)."""

    def __init__(self, http):
        self.http = http

    async def get(self, path, **kwargs):
        return _Response(await self.http.get(path, **kwargs))

    async def post(self, path, **kwargs):
        return _Response(await self.http.post(path, **kwargs))


class _Response:
    def __init__(self, response):
        self.response, self.status_code = response, response.status_code

    async def get_json(self):
        return self.response.json()
