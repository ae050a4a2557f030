"""The pass-through against a real local HTTP server standing in for FreePBX and Tancredi: what reaches it,
with which credentials, and what is refused before anything is sent."""

import asyncio
import json

import pytest
from aiohttp import web

from nethcti.testing import ApiClient, free_port, running_app, users_conf

ALICE_MAC, BOB_MAC = "00:15:65:AA:BB:01", "00:15:65:AA:BB:02"
USERS = f"""
[users]
enabled = true
[users.profiles.buttons]
name = "Phone buttons"
permissions = ["settings.phone_buttons"]
[users.profiles.basic]
name = "Basic"
permissions = ["settings.dnd"]
[users.profiles.operator]
name = "Operator"
permissions = ["settings.phone_buttons", "presence_panel.ad_phone"]
[users.accounts.alice]
profile = "buttons"
mainextension = "201"
extensions = [{{ id = "201", type = "physical", mac = "{ALICE_MAC}" }}]
[users.accounts.bob]
profile = "basic"
mainextension = "202"
extensions = [{{ id = "202", type = "physical", mac = "{BOB_MAC}" }}]
[users.accounts.dave]
profile = "operator"
mainextension = "204"
"""


class FakePbx:
    """aiohttp on a loopback port: FreePBX's and Tancredi's paths answer JSON and record each request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        self.requests.append({"method": request.method, "path": request.path, "query": request.query_string,
                              "user": request.headers.get("User"), "secret": request.headers.get("Secretkey"),
                              "body": await request.text()})
        return web.json_response({"answered": request.path}, status=207 if request.method == "PATCH" else 200)

    async def __aenter__(self):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


@pytest.fixture
async def pbx():
    async with FakePbx() as pbx:
        yield pbx


def conf(tmp_path, port: int, timeout: float = 5) -> str:
    return users_conf(tmp_path, f"""
[provisioning]
enabled = true
freepbx_url = "http://127.0.0.1:{port}"
tancredi_url = "http://127.0.0.1:{port}/tancredi"
admin_secret = "s3cret"
timeout = {timeout}
""", users=USERS)


async def test_own_phones_are_forwarded_with_the_admin_credentials(tmp_path, pbx):
    async with running_app(conf(tmp_path, pbx.port)) as app:
        api = ApiClient(app, "/webrest")
        assert await api.get("/freepbx/rest/provisioning/engine") == {"answered": "/freepbx/rest/provisioning/engine"}
        assert await api.get("/tancredi/api/v1/models/yealink-T46S", inherit="1") == {
            "answered": "/tancredi/api/v1/models/yealink-T46S"}
        assert await api.get(f"/tancredi/api/v1/phones/{ALICE_MAC.replace(':', '-')}?inherit=1") == {
            "answered": f"/tancredi/api/v1/phones/{ALICE_MAC.replace(':', '-')}"}
        keys = {"variables": {"linekey_type_1": "blf", "linekey_value_1": "202"}}
        assert await api.call("PATCH", f"/tancredi/api/v1/phones/{ALICE_MAC}", body=keys, status=207)
        await api.post("/freepbx/rest/phones/reboot", {"mac": [ALICE_MAC]})
        await api.post("/freepbx/rest/phones/reboot", {"mac": [BOB_MAC]}, "dave")  # a switchboard: any phone
    assert [(r["method"], r["path"], r["query"]) for r in pbx.requests] == [
        ("GET", "/freepbx/rest/provisioning/engine", ""),
        ("GET", "/tancredi/api/v1/models/yealink-T46S", "inherit=1"),
        ("GET", "/tancredi/api/v1/phones/00-15-65-AA-BB-01", "inherit=1"),
        ("PATCH", f"/tancredi/api/v1/phones/{ALICE_MAC}", ""),
        ("POST", "/freepbx/rest/phones/reboot", ""),
        ("POST", "/freepbx/rest/phones/reboot", ""),
    ]
    assert {(r["user"], r["secret"]) for r in pbx.requests} == {("admin", "s3cret")}
    assert json.loads(pbx.requests[3]["body"]) == keys


async def test_other_phones_bad_paths_and_missing_permissions_never_reach_the_pbx(tmp_path, pbx):
    async with running_app(conf(tmp_path, pbx.port)) as app:
        api = ApiClient(app, "/webrest")
        error = await api.get(f"/tancredi/api/v1/phones/{BOB_MAC}", status=403)
        assert error["error_id"] == "not-your-phone" and error["details"] == {"mac": ["00-15-65-aa-bb-02"]}
        assert (await api.post("/freepbx/rest/phones/reboot", {"mac": [ALICE_MAC, BOB_MAC]}, status=403)
                )["error_id"] == "not-your-phone"
        assert (await api.post("/freepbx/rest/phones/reboot", {"all": True}, status=400))["error_id"] == \
            "no-phone-in-body"
        assert "mac" in (await api.get("/tancredi/api/v1/phones/00-15-65-AA-BB-0Z", status=400))["details"]
        await api.get("/tancredi/api/v1/phones/..%2F..%2Fetc", status=404)
        assert "model" in (await api.get("/tancredi/api/v1/models/a%20b", status=400))["details"]
        await api.get("/tancredi/api/v1/models/x/../../admin", status=404)
        await api.call("DELETE", f"/tancredi/api/v1/phones/{ALICE_MAC}", status=405)
        error = await api.get(f"/tancredi/api/v1/phones/{BOB_MAC}", "bob", 403)  # no settings.phone_buttons
        assert error["error_id"] == "permission-denied"
    assert pbx.requests == []


async def test_a_silent_or_absent_pbx_is_an_answer(tmp_path, pbx):
    pbx.delay = 2
    async with running_app(conf(tmp_path, pbx.port, timeout=0.3)) as app:
        api = ApiClient(app, "/webrest")
        assert (await api.get("/freepbx/rest/provisioning/engine", status=504))["error_id"] == "provisioning-timeout"
    async with running_app(conf(tmp_path, free_port())) as app:
        api = ApiClient(app, "/webrest")
        assert (await api.get("/freepbx/rest/provisioning/engine", status=502))["error_id"] == \
            "provisioning-unreachable"
