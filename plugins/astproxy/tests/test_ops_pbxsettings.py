"""Call waiting and call forwards of an extension (AstDB CW, CF/CFB/CFU) on the demo PBX, and the feature codes."""

import asyncio

import pytest
from nethcti_ami.errors import OriginateFailed
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard
from nethcti_astproxy.testing import PASSWORDS
from nethcti_auth.testing import log_in

# carol may set forwards of her extension (203)
FORWARDER = """
[users.profiles.forwarder]
name = "Forwarder"
permissions = ["settings.call_forward"]

[users.accounts.carol]
profile = "forwarder"
voicemail = "203"
"""
PRESENCE = "\n[presence]\nenabled = true\n"


async def get(sb: Switchboard, path: str, user: str, status: int = 200) -> dict:
    headers = await log_in(sb.client, user, PASSWORDS[user])
    response = await sb.client.get(f"/webrest/astproxy/{path}", headers=headers)
    answer = await response.get_json()
    assert response.status_code == status, (path, user, response.status_code, answer)
    return answer


async def answered(sb: Switchboard, exten: str, hold: bool = False) -> bool:
    """Whether a call to ``exten`` through the dialplan is answered; ``hold``: the call then stays up 10 s
    (hang it up yourself), so who took it can be seen in the model."""
    where = {"application": "Wait", "data": "10"} if hold else {"exten": "hangup", "context": "app-blackhole"}
    try:
        await sb.ami.originate(f"Local/{exten}@from-internal", wait=True, ring_timeout=5, **where)
    except OriginateFailed:
        return False
    return True


@pytest.mark.live
async def test_call_waiting_decides_whether_a_busy_extension_rings(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        assert await get(sb, "cw/202", "bob") == {"exten": "202", "cw": "on"}  # FreePBX's default, seeded
        assert await sb.post("cw", {"endpoint": "202", "status": "off"}, user="bob") == {"exten": "202", "cw": "off"}
        assert await asyncio.to_thread(pbx.db_get, "CW", "202") is None
        assert await get(sb, "cw/202", "bob") == {"exten": "202", "cw": "off"}

        await sb.call("201", "202")  # 202 is in a call
        assert not await answered(sb, "202")  # call waiting off: busy, nothing rings
        assert len(sb.channels("202")) == 1

        assert await sb.post("cw", {"endpoint": "202", "status": "on"}, user="bob") == {"exten": "202", "cw": "on"}
        assert await asyncio.to_thread(pbx.db_get, "CW", "202") == "ENABLED"
        assert await answered(sb, "202")  # call waiting on: the second call reaches the phone
        await wait_until(lambda: len(sb.channels("202")) == 2, "202 has a second call")


@pytest.mark.live
async def test_settings_refusals_and_feature_codes(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean, FORWARDER) as sb:
        assert "status" in await sb.refused("cw", {"endpoint": "202", "status": "yes"}, 400, "invalid-request",
                                            user="bob")
        assert "endpoint" in await sb.refused("cw", {"endpoint": "202\n", "status": "on"}, 400, "invalid-request",
                                              user="bob")
        await sb.refused("cw", {"endpoint": "201", "status": "off"}, 403, "not-your-extension", user="bob")
        assert (await get(sb, "cw/201", "bob", 403))["error_id"] == "not-your-extension"
        assert await asyncio.to_thread(demo_pbx_clean.db_get, "CW", "201") == "ENABLED"

        # forwards are written by the presence service: without it, 503
        body = {"endpoint": "203", "type": "unconditional", "status": "on", "to": "202"}
        await sb.refused("cfcall", body, 503, "call-forward-unavailable", user="carol")
        assert await asyncio.to_thread(demo_pbx_clean.db_get, "CF", "203") is None

        assert await get(sb, "feature_codes", "carol") == {"confbridge_conf": "8", "pickup": "**"}


@pytest.mark.live
async def test_call_forwards(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, FORWARDER + PRESENCE) as sb:
        body = {"endpoint": "203", "type": "unconditional", "status": "on", "to": "202"}
        answer = await sb.post("cfcall", body, user="carol")
        assert answer == {"exten": "203", "status": "on", "to": "202", "type": "unconditional"}
        assert await asyncio.to_thread(pbx.db_get, "CF", "203") == "202"
        assert sb.astproxy.to_json(sb.astproxy.extension("203"))["cf"] == "202"
        assert await get(sb, "cfcall/unconditional/203", "carol") == {"exten": "203", "status": "on", "to": "202"}
        assert await get(sb, "cfvm/unconditional/203", "carol") == {"exten": "203", "status": "off"}
        assert await answered(sb, "203", hold=True)  # forwarded: 202 answers
        await wait_until(lambda: bool(sb.channels("202")) and not sb.channels("203"), "202 took 203's call")
        await asyncio.to_thread(pbx.hangup_all)

        answer = await sb.post("cfvm", {"endpoint": "203", "type": "busy", "status": "on", "to": "203"}, user="carol")
        assert answer == {"exten": "203", "status": "on", "to": "203", "type": "busy"}
        assert await asyncio.to_thread(pbx.db_get, "CFB", "203") == "vmu203"
        assert await get(sb, "cfvm/busy/203", "carol") == {"exten": "203", "status": "on", "to": "203"}
        # cfcall off leaves the forward to voicemail alone; cfvm off removes it
        answer = await sb.post("cfcall", {"endpoint": "203", "type": "busy", "status": "off"}, user="carol")
        assert answer == {"exten": "203", "status": "off", "type": "busy"}
        assert await asyncio.to_thread(pbx.db_get, "CFB", "203") == "vmu203"
        await sb.post("cfvm", {"endpoint": "203", "type": "busy", "status": "off"}, user="carol")
        assert await asyncio.to_thread(pbx.db_get, "CFB", "203") is None
        await sb.post("cfcall", {"endpoint": "203", "type": "unconditional", "status": "off"}, user="carol")
        assert await asyncio.to_thread(pbx.db_get, "CF", "203") is None
        assert sb.astproxy.to_json(sb.astproxy.extension("203"))["cf"] == ""

        # refusals
        for bad, field in [({"type": "always"}, "type"), ({"status": "maybe"}, "status"), ({"to": None}, "to"),
                           ({"to": "20a"}, "to"), ({"endpoint": "20\r3"}, "endpoint")]:
            assert field in await sb.refused("cfcall", {**body, **bad}, 400, "invalid-request", user="carol")
        assert "to" in await sb.refused("cfvm", {**body, "to": "vmu203"}, 400, "invalid-request", user="carol")
        assert (await get(sb, "cfcall/always/203", "carol", 400))["error_id"] == "invalid-request"
        details = await sb.refused("cfcall", {**body, "endpoint": "202"}, 403, "operation-forbidden", user="bob")
        assert details == {"permission": "settings.call_forward"}
        assert (await get(sb, "cfvm/busy/202", "bob", 403))["error_id"] == "operation-forbidden"
        await sb.refused("cfcall", {**body, "endpoint": "202"}, 403, "not-your-extension", user="carol")
        assert await asyncio.to_thread(pbx.db_get, "CF", "202") is None
