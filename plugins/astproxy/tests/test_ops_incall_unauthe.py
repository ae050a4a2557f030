"""incall_audio (a recording whispered into the caller's conversation) and unauthe_call (a call without a token)."""

import asyncio

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import switchboard

INCALL = '\n[astproxy.feature_codes]\nincall_audio = "*99"\n'
UNAUTHE = """
[auth]
trusted_proxies = ["<local>"]   # the test client's address: its X-Forwarded-For names the client

[astproxy]
unauthe_call = true
unauthe_call_allowed = ["10.1.2.0/24", "fd00::1"]
"""


@pytest.mark.live
async def test_incall_audio(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        await sb.refused("incall_audio", {"audio_id": "7"}, 503, "no-incall-audio-code")
    async with switchboard(tmp_path / "2", pbx, INCALL) as sb:
        details = await sb.refused("incall_audio", {"audio_id": "7"}, 404, "no-such-conversation")
        assert details == {"audio_id": "7"}
        for bad in ["", "7;x", "7\n", None, "12345678901"]:
            assert "audio_id" in await sb.refused("incall_audio", {"audio_id": bad}, 400, "invalid-request")
        details = await sb.refused("incall_audio", {"audio_id": "7"}, 403, "operation-forbidden", user="bob")
        assert details == {"permission": "queue_agent.ad_queue_agent"}

        await sb.call("201", "202")
        assert await sb.post("incall_audio", {"audio_id": 7}) == {"exten": "201", "audio_id": "7"}
        await wait_until(lambda: any(c.startswith("Local/7@incall-audio-play") for c in pbx.channels()),
                         "the recording plays")
        await wait_until(lambda: "ChanSpy" in pbx.cli("core show channels"), "it is whispered into 201's call")
        await asyncio.to_thread(pbx.hangup_all)


@pytest.mark.live
async def test_unauthe_call(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    body = {"endpointId": "202", "number": "203"}
    async with switchboard(tmp_path, pbx, UNAUTHE) as sb:
        async def post(address: str, data: dict, status: int) -> dict:
            response = await sb.client.post("/webrest/astproxy/unauthe_call", json=data,
                                            headers={"X-Forwarded-For": address})
            answer = await response.get_json()
            assert response.status_code == status, (address, data, answer)
            return answer

        for address in ["10.9.9.9", "fd00::2", "not-an-address"]:
            assert (await post(address, body, 401))["error_id"] == "unauthe-call-refused"
        assert (await post("10.9.9.9", {"number": "x"}, 401))["error_id"] == "unauthe-call-refused"  # checked first
        assert "number" in (await post("10.1.2.3", {**body, "number": "20\r\n3"}, 400))["details"]
        assert "endpointId" in (await post("10.1.2.3", {"number": "203"}, 400))["details"]
        assert (await post("10.1.2.3", {**body, "endpointId": "299"}, 404))["error_id"] == "no-such-extension"

        answer = await post("10.1.2.3", body, 200)
        assert answer["uniqueid"]
        await sb.wait_talking("202", "203")
        await asyncio.to_thread(pbx.hangup_all)
        await sb.wait_idle("202", "203")
        assert (await post("fd00::1", body, 200))["uniqueid"]


@pytest.mark.live
async def test_unauthe_call_is_off_by_default(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        response = await sb.client.post("/webrest/astproxy/unauthe_call", json={"endpointId": "202", "number": "203"})
        assert response.status_code == 401
        assert (await response.get_json())["error_id"] == "unauthe-call-refused"
        assert not sb.channels("202")
