"""``POST /user/default_device`` tells the user's clients (the newer server's ``updateDefaultDevice``), so that
phone-island switches device in every window."""

import httpx
import pytest
from nethcti_ami.testing import wait_until
from nethcti_auth.testing import client_token
from nethcti_presence.testing import PASSWORDS, presence_conf
from nethcti_websocket.testing import EventClient, served

from nethcti.server import build

pytestmark = pytest.mark.live


async def test_default_device_change_reaches_the_user_s_sockets_only(tmp_path, demo_pbx_clean):
    info = demo_pbx_clean.ami_info()
    conf = presence_conf(tmp_path, info["port"], info["username"], info["secret"],
                         extra="[websocket]\nenabled = true\n")
    app = build(conf)
    async with served(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")

        async def token(username):
            response = await http.post("/webrest/authentication/login",
                                       json={"username": username, "password": PASSWORDS[username]})
            nonce = response.headers["www-authenticate"].split(" ")[1]
            return client_token(username, PASSWORDS[username], nonce)

        alice_token, bob_token = await token("alice"), await token("bob")
        async with EventClient(url, {"accessKeyId": "alice", "token": alice_token, "uaType": "desktop"}) as alice, \
                EventClient(url, {"accessKeyId": "bob", "token": bob_token, "uaType": "desktop"}) as bob:
            await alice.wait_for("authe_ok")
            await bob.wait_for("authe_ok")
            response = await http.post("/webrest/user/default_device", json={"id": "91201"},
                                       headers={"Authorization": f"alice:{alice_token}"})
            assert response.status_code == 200, response.text
            assert await alice.wait_for("updateDefaultDevice") == "91201"
            response = await http.post("/webrest/user/default_device", json={"id": "202"},
                                       headers={"Authorization": f"alice:{alice_token}"})
            assert response.status_code == 403
            assert alice.received("updateDefaultDevice") == ["91201"] and not bob.received("updateDefaultDevice")
