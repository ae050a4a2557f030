"""The metrics against the real demo PBX (Asterisk 16 + sipp): a real call moves the AMI and model figures."""

import httpx
import pytest
from nethcti_astproxy.testing import demo_conf
from nethcti_metrics.testing import scrape

from nethcti.testing import log_in, running_app, served, wait_until

pytestmark = pytest.mark.live


async def test_a_real_call_moves_the_counters(tmp_path, demo_pbx_clean):
    info = demo_pbx_clean.ami_info()
    conf = demo_conf(tmp_path, info["port"], info["username"], info["secret"],
                     extra="[websocket]\nenabled = true\n[metrics]\nenabled = true\n")
    async with running_app(conf) as app, served(app) as url:
        astproxy = app.extensions["astproxy"]
        await wait_until(lambda: astproxy.ready, "the model is loaded")
        idle = await scrape(url)
        assert idle["nethcti_ami_up"] == 1 and idle["nethcti_model_loaded"] == 1
        sizes = idle.labelled("nethcti_model_objects", "kind")
        assert sizes["extensions"] == len(astproxy.model.extensions) >= 5  # 201, 91201, 202, 203, 204
        assert sizes["queues"] == 2 and sizes["channels"] == 0

        headers = await log_in(app.test_client(), "alice", "alice-pw")
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post("/webrest/astproxy/call", json={"number": "202"}, headers=headers)
            assert response.status_code == 200, response.text
            await wait_until(lambda: len(astproxy.model.channels) >= 2, "201 and 202 talk")
            talking = await scrape(url)
            assert talking.get("nethcti_model_objects", kind="channels") >= 2
            assert talking["nethcti_ami_events_total"] > idle["nethcti_ami_events_total"]
            assert talking.get("nethcti_http_requests_total", route="/astproxy/call", method="POST",
                               status="200", prefix="/webrest") == 1
            assert talking["nethcti_logins_total"] == 1
            # the websocket plugin heard the model's extension changes through its own queue
            assert talking.get("nethcti_hook_queue_depth", plugin="websocket") is not None

            hangup = await client.post("/webrest/astproxy/hangup_mainexten", json={"exten": "201"}, headers=headers)
            assert hangup.status_code == 200, hangup.text
            await wait_until(lambda: not astproxy.model.channels, "the call is over")
        done = await scrape(url)
        assert done.get("nethcti_model_objects", kind="channels") == 0
        assert done["nethcti_ami_events_total"] > talking["nethcti_ami_events_total"]
