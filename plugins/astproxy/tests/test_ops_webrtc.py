"""WebRTC phones and NethLink are driven through the user's socket.io clients: answer_webrtc, click-to-call from a
WebRTC default device, cloud click-to-call — on the demo PBX, with a python-socketio client logged in as alice."""

import asyncio
import json
from contextlib import asynccontextmanager

import pytest
from nethcti_astproxy.ops.live_testing import switchboard
from nethcti_astproxy.testing import PASSWORDS
from nethcti_auth.testing import log_in
from nethcti_websocket.testing import EventClient, served

pytestmark = pytest.mark.live

WEBSOCKET = "\n[websocket]\nenabled = true\n"


@asynccontextmanager
async def with_clients(tmp_path, pbx, extra: str = ""):
    """The switchboard served on a port, and a socket.io client of alice's, logged in."""
    async with switchboard(tmp_path, pbx, WEBSOCKET + extra) as sb, served(sb.app) as url:
        headers = await log_in(sb.client, "alice", PASSWORDS["alice"])
        token = headers["Authorization"].split(":", 1)[1]
        async with EventClient(url, {"accessKeyId": "alice", "token": token, "uaType": "desktop"}) as alice:
            await alice.wait_for("authe_ok")
            yield sb, alice


async def test_answer_webrtc_reaches_the_user_s_island(tmp_path, demo_pbx_clean):
    async with with_clients(tmp_path, demo_pbx_clean) as (sb, alice):
        assert await sb.post("answer_webrtc", {"endpointId": "91201"}) == {"exten": "91201", "sent": "answerWebrtc"}
        assert await alice.wait_for("answerWebrtc") == "91201"
        await sb.refused("answer_webrtc", {"endpointId": "201"}, 409, "not-a-webrtc-extension")  # a desk phone
        await sb.refused("answer_webrtc", {"endpointId": "91201"}, 403, "not-your-extension", user="bob")
        assert "endpointId" in await sb.refused("answer_webrtc", {}, 400, "invalid-request")
        assert alice.received("answerWebrtc") == ["91201"]


async def test_a_call_from_a_webrtc_default_device_is_placed_by_the_island(tmp_path, demo_pbx_clean):
    async with with_clients(tmp_path, demo_pbx_clean) as (sb, alice):
        sb.astproxy.default_extension = lambda user: "91201"  # what presence's default_device setting answers
        answer = await sb.post("call", {"endpointId": "", "endpointTpe": "extension", "number": "+39 202"})
        assert answer == {"exten": "91201", "number": "0039202", "sent": "callWebrtc"}
        assert await alice.wait_for("callWebrtc") == "0039202"
        await asyncio.sleep(0.3)
        assert not sb.channels("91201")  # no Originate
        # named in endpointId, the WebRTC extension is rung by an Originate, as before (phone-island answers it)
        await sb.post("call", {"endpointId": "91201", "endpointType": "extension", "number": "203"})
        await sb.wait_talking("91201", "203")


async def test_a_call_from_an_offline_webrtc_default_device_is_a_409(tmp_path, demo_pbx_clean):
    async with with_clients(tmp_path, demo_pbx_clean) as (sb, alice):
        sb.astproxy.default_extension = lambda user: "91201"
        sb.astproxy.extension("91201").status = "offline"  # the island is not registered
        await sb.refused("call", {"number": "202"}, 409, "extension-offline")
        assert not alice.received("callWebrtc")


async def test_cloud_click_to_call_goes_through_nethlink(tmp_path, demo_pbx_clean):
    urls = {"Fanvil": {"urls": {"call": "http://$PHONE_IP/cgi-bin/ConfigManApp.com?number=$NUMBER"}}}
    (tmp_path / "phone_urls.json").write_text(json.dumps(urls))
    conf = f'[astproxy]\nclick_to_call = "cloud"\nphone_urls_file = "{tmp_path / "phone_urls.json"}"\n'
    async with with_clients(tmp_path, demo_pbx_clean, conf) as (sb, alice):
        ext = sb.astproxy.extension("201")
        ext.useragent, ext.ip = "Fanvil X4U 2.12.2", "192.0.2.7"
        assert await sb.post("call", {"number": "202"}) == {"sent": "actionNethLink"}
        link = await alice.wait_for("actionNethLink")
        assert link == ["http://192.0.2.7/cgi-bin/ConfigManApp.com?number=202", "call"]
        assert not sb.channels("201")


async def test_sip_webrtc_is_empty_as_the_original(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        headers = await log_in(sb.client, "alice", PASSWORDS["alice"])
        response = await sb.client.get("/webrest/astproxy/sip_webrtc", headers=headers)
        assert response.status_code == 200 and await response.get_json() == {}
