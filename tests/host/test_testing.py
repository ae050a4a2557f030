"""nethcti.testing, the plugin author's testing API: one module, nothing imported before it is used, and its
helpers working together (an app started by running_app and served on a port, a socket.io client logging in)."""

import subprocess
import sys

import httpx

import nethcti.testing
from nethcti import hookimpl
from nethcti.testing import EventClient, FakeAMI, ami_conf, log_in, running_app, served, users_conf


def test_importing_it_imports_no_plugin():
    code = "import sys, nethcti.testing; print(sorted(m for m in sys.modules if m.startswith('nethcti_')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_name_it_exports_is_there():
    for name in nethcti.testing.__all__:
        assert getattr(nethcti.testing, name) is not None, name
    from nethcti_ami.testing import FakeAMI as plugin_fake_ami

    assert FakeAMI is plugin_fake_ami  # the same class, whichever way it is imported


class Lifecycle:
    def __init__(self):
        self.calls = []

    @hookimpl
    async def startup(self, app):
        self.calls.append("startup")

    @hookimpl
    async def shutdown(self, app):
        self.calls.append("shutdown")


async def test_served_inside_running_app_serves_the_started_app_and_leaves_its_life_alone(tmp_path):
    probe = Lifecycle()
    conf_dir = users_conf(tmp_path, "[websocket]\nenabled = true\n")
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        authorization = (await log_in(app.test_client(), "alice", "alice-pw"))["Authorization"]
        async with served(app) as url:
            async with httpx.AsyncClient() as http:
                status = (await http.get(f"{url}/status")).json()
            assert status["status"] == "ok"
            login = {"accessKeyId": "alice", "token": authorization.split(":", 1)[1], "uaType": "desktop"}
            async with EventClient(url, login) as client:  # the token granted through the test client works
                await client.wait_for("authe_ok")
        assert probe.calls == ["startup"] and not app.stopping.is_set()
        response = await app.test_client().get("/status")  # still running
        assert response.status_code == 200
    assert probe.calls == ["startup", "shutdown"]


async def test_served_inside_running_app_with_the_ami_plugin(tmp_path):
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port)) as app:
        assert await app.extensions["ami"].wait_connected(5)
        async with served(app) as url, httpx.AsyncClient() as http:
            assert (await http.get(f"{url}/status")).json()["plugins"]["ami"]["state"] == "up"
        assert pbx.logins == 1  # served did not start the connector a second time


async def test_served_alone_runs_start_up_and_shutdown(tmp_path):
    probe = Lifecycle()
    from nethcti.server import build

    app = build(users_conf(tmp_path), [("probe", probe)])
    async with served(app) as url, httpx.AsyncClient() as http:
        assert (await http.get(f"{url}/status")).status_code == 200
        assert probe.calls == ["startup"]
    assert probe.calls == ["startup", "shutdown"] and app.stopping.is_set()
