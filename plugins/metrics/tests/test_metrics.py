"""GET /metrics as Prometheus scrapes it: a served app with a fake Asterisk, real sockets, real HTTP."""

import asyncio

import httpx
import pytest
from nethcti_metrics.testing import scrape

from nethcti import hookimpl
from nethcti.testing import (
    AMIProbe,
    EventClient,
    FakeAMI,
    log_in,
    running_app,
    served,
    users_conf,
    wait_until,
)


def ami_section(port: int, **extra) -> str:
    lines = "".join(f"{key} = {value}\n" for key, value in extra.items())
    return f'[ami]\nenabled = true\nport = {port}\nusername = "nethcti"\nsecret = "secret"\n{lines}'


@pytest.fixture
async def pbx():
    async with FakeAMI() as fake:
        yield fake


async def test_ami_link_events_and_logins_move_the_counters(tmp_path, pbx):
    probe = AMIProbe(patterns=("Hangup",))
    conf = users_conf(tmp_path, ami_section(pbx.port) + "[metrics]\nenabled = true\n")
    async with running_app(conf, extra_plugins=[("probe", probe)]) as app, served(app) as url:
        assert await app.extensions["ami"].wait_connected(5)
        before = await scrape(url)
        assert before["nethcti_ami_up"] == 1 and before["nethcti_ami_link_ups_total"] == 1
        await pbx.push(*({"Event": "Hangup", "Channel": f"PJSIP/201-{n:08x}"} for n in range(5)))
        await wait_until(lambda: len(probe.names()) >= 5, "the probe heard 5 hangups")
        client = app.test_client()
        await log_in(client, "alice", "alice-pw")
        response = await client.post("/webrest/authentication/login", json={"username": "alice", "password": "no"})
        assert response.status_code == 401
        after = await scrape(url)
        assert after["nethcti_ami_events_total"] - before["nethcti_ami_events_total"] >= 5
        assert after.get("nethcti_ami_event_queue_depth", plugin="probe") == 0
        assert after.get("nethcti_ami_events_dropped_total", plugin="probe") == 0
        assert after["nethcti_logins_total"] == 1 and after["nethcti_login_failures_total"] == 1

        await pbx.stop()
        await wait_until(lambda: not app.extensions["ami"].connected, "the AMI link is down")
        down = await scrape(url)
        assert down["nethcti_ami_up"] == 0


class SlowAMIPlugin:
    """Holds its AMI worker on the first event until released: its queue (size 2) overflows."""

    def __init__(self):
        self.holding, self.release = asyncio.Event(), asyncio.Event()

    @hookimpl
    def register_ami_handlers(self):
        async def on_event(app, event):
            self.holding.set()
            await self.release.wait()

        return {"UserEvent": on_event}


async def test_ami_queue_depth_and_drops_per_plugin(tmp_path, pbx):
    slow = SlowAMIPlugin()
    conf = users_conf(tmp_path, ami_section(pbx.port, queue_size=2) + "[metrics]\nenabled = true\n")
    async with running_app(conf, extra_plugins=[("slow", slow)]) as app, served(app) as url:
        assert await app.extensions["ami"].wait_connected(5)
        await pbx.push({"Event": "UserEvent", "UserEvent": "0"})
        await asyncio.wait_for(slow.holding.wait(), 5)  # the worker holds the first: the queue is empty
        await pbx.push(*({"Event": "UserEvent", "UserEvent": str(n)} for n in range(1, 6)))
        await wait_until(lambda: app.extensions["ami"].dispatcher.subscribers[0].dropped == 3, "3 events dropped")
        samples = await scrape(url)
        assert samples.get("nethcti_ami_event_queue_depth", plugin="slow") == 2
        assert samples.get("nethcti_ami_events_dropped_total", plugin="slow") == 3
        slow.release.set()


class SlowHookPlugin:
    """Sits on its first users_reloaded until released, so its domain-event queue fills and overflows."""

    def __init__(self):
        self.release = asyncio.Event()

    @hookimpl
    async def users_reloaded(self, app):
        await self.release.wait()


async def test_hook_queue_depth_and_drops_per_plugin(tmp_path):
    slow = SlowHookPlugin()
    conf = users_conf(tmp_path, "[server]\nhook_queue_size = 1\n[metrics]\nenabled = true\n")
    async with running_app(conf, extra_plugins=[("slow", slow)]) as app, served(app) as url:
        for _ in range(4):  # the first runs and waits, the second waits in the queue, two are dropped
            await app.notify("users_reloaded")
            await asyncio.sleep(0)
        samples = await scrape(url)
        assert samples.get("nethcti_hook_queue_depth", plugin="slow") == 1
        assert samples.get("nethcti_hook_calls_dropped_total", plugin="slow") == 2
        slow.release.set()
        await app.hooks_idle()
        assert (await scrape(url)).get("nethcti_hook_queue_depth", plugin="slow") == 0


async def test_socketio_connections_per_path_and_sessions_per_client_type(tmp_path):
    conf = users_conf(tmp_path, "[websocket]\nenabled = true\n[api]\nenabled = true\n[metrics]\nenabled = true\n")
    async with running_app(conf) as app, served(app) as url:
        token = (await log_in(app.test_client(), "alice", "alice-pw"))["Authorization"].split(":", 1)[1]
        desktop = {"accessKeyId": "alice", "token": token, "uaType": "desktop"}
        async with EventClient(url, desktop) as legacy, EventClient(url) as anonymous:
            await legacy.wait_for("authe_ok")
            api_client = EventClient(url)
            await api_client.sio.connect(url, socketio_path="/api/ws", transports=["websocket"], wait_timeout=5)
            try:
                await wait_until(lambda: len(app.sio.environ) == 3, "three sockets connected")
                samples = await scrape(url)
            finally:
                await api_client.close()
            assert anonymous.sio.connected
        assert samples.labelled("nethcti_socketio_connections", "path") == {"/socket.io": 2, "/api/ws": 1}
        assert samples.labelled("nethcti_socketio_sessions", "ua_type") == {"desktop": 1, "mobile": 0, "unknown": 0}
        assert samples["nethcti_socketio_waiting_login"] == 2
        assert samples["nethcti_socketio_users"] == 1


async def test_requests_are_counted_by_route_never_by_path(tmp_path):
    conf = users_conf(tmp_path, "[metrics]\nenabled = true\n")
    async with running_app(conf) as app, served(app) as url:
        headers = await log_in(app.test_client(), "bob", "bob-pw")
        async with httpx.AsyncClient(base_url=url) as client:
            for subtype in ("mobile", "desktop", "not.valid"):
                await client.get(f"/webrest/authentication/phone_island_token_check/{subtype}", headers=headers)
            for n in range(3):
                assert (await client.get(f"/no/such/path/{n}")).status_code == 404
        samples = await scrape(url)
    route = "/authentication/phone_island_token_check/<subtype>"
    by_status = {s.labels["status"]: s.value for s in samples.samples
                 if s.name == "nethcti_http_requests_total" and s.labels["route"] == route}
    assert by_status == {"200": 2, "400": 1}
    assert samples.get("nethcti_http_requests_total", route="<unmatched>", status="404", prefix="") == 3
    assert samples.get("nethcti_http_request_duration_seconds_count", route=route, prefix="/webrest") == 3
    assert samples.get("nethcti_http_request_duration_seconds_bucket", route=route, le="+Inf") == 3
    assert not any("/no/such" in str(s.labels) for s in samples.samples)


async def test_model_sizes_without_astproxy_are_absent_and_process_metrics_present(tmp_path):
    async with running_app(users_conf(tmp_path, "[metrics]\nenabled = true\n")) as app, served(app) as url:
        samples = await scrape(url)
    assert samples.get("nethcti_model_objects") is None
    assert samples["process_resident_memory_bytes"] > 0


# -- access


async def test_only_allowed_addresses_may_scrape(tmp_path):
    async with running_app(users_conf(tmp_path, "[metrics]\nenabled = true\n")) as app, served(app) as url:
        await scrape(url)  # 127.0.0.1: allowed by default
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")  # loopback too, but not in the list
        async with httpx.AsyncClient(transport=transport) as other:
            refused = await other.get(f"{url}/metrics")
        assert refused.status_code == 403
        assert refused.json()["error_id"] == "metrics-address-not-allowed"
        assert "127.0.0.2" in refused.json()["message"]
        # behind a proxy on the same machine the peer is 127.0.0.1: the client it forwarded counts
        async with httpx.AsyncClient() as client:
            proxied = await client.get(f"{url}/webrest/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
            assert proxied.status_code == 403
            spoofed = await client.get(f"{url}/metrics", headers={"X-Forwarded-For": "127.0.0.1, 198.51.100.1"})
            assert spoofed.status_code == 403


async def test_a_network_can_be_allowed(tmp_path):
    conf = users_conf(tmp_path, '[metrics]\nenabled = true\nallow = ["127.0.0.0/30"]\n')
    async with running_app(conf) as app, served(app) as url:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(transport=transport) as other:
            assert (await other.get(f"{url}/metrics")).status_code == 200


async def test_with_a_token_file_the_bearer_token_is_required(tmp_path):
    token_file = tmp_path / "metrics.token"
    token_file.write_text("s3cret-scrape-token\n")
    token_file.chmod(0o600)
    conf = users_conf(tmp_path, f'[metrics]\nenabled = true\ntoken_file = "{token_file}"\n')
    async with running_app(conf) as app, served(app) as url:
        async with httpx.AsyncClient() as client:
            missing = await client.get(f"{url}/metrics")
            wrong = await client.get(f"{url}/metrics", headers={"Authorization": "Bearer guess"})
            user_token = await client.get(f"{url}/metrics", headers=await log_in(app.test_client(), "bob", "bob-pw"))
        assert missing.status_code == wrong.status_code == user_token.status_code == 401
        assert missing.json()["error_id"] == "metrics-token-required"
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        await scrape(url, headers={"Authorization": "Bearer s3cret-scrape-token"})
        status = (await app.test_client().get("/status")).get_json
        assert (await status())["plugins"]["metrics"]["token"] is True


async def test_a_bad_allow_entry_stops_start_up_naming_it(tmp_path):
    from nethcti.errors import StartupError

    conf = users_conf(tmp_path, '[metrics]\nenabled = true\nallow = ["10.0.0.0/33"]\n')
    with pytest.raises(StartupError, match=r"\[metrics\] allow: .*10\.0\.0\.0/33"):
        async with running_app(conf):
            pass
