"""Call operations through the HTTP API against the demo PBX (Asterisk 16 + sipp phones that answer).

Each test checks the effect on the PBX and on the model; every wait polls with a deadline.
"""

import asyncio

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.ops.live_testing import eventually, switchboard
from nethcti_astproxy.testing import demo_conf, fake_ami_answers
from nethcti_auth.testing import log_in

from nethcti.testing import running_app


@pytest.mark.live
async def test_call_rings_the_callers_phone_then_the_number(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        answer = await sb.post("call", {"number": "202"})  # from alice's default device, her main extension
        (channel,) = sb.channels("201")
        assert answer == {"uniqueid": sb.astproxy.channel(channel).uniqueid}
        conv = await sb.wait_talking("201", "202")
        assert conv["direction"] == "out" and conv["chSource"]["channel"] == channel
        assert (await sb.wait_talking("202", "201"))["id"] == conv["id"]


@pytest.mark.live
async def test_call_with_the_body_phone_island_sends(tmp_path, demo_pbx_clean):
    """Its call button: an empty endpointId and the misspelt endpointTpe mean the default device."""
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        answer = await sb.post("call", {"endpointId": "", "endpointTpe": "extension", "number": "202"})
        conv = await sb.wait_talking("201", "202")
        assert conv["uniqueId"] == answer["uniqueid"]


@pytest.mark.live
async def test_call_parameters_may_be_in_the_query_string(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        query = {"number": "(20) 3", "endpointId": "91201", "endpointType": "extension"}
        answer = await sb.post("call", query=query)
        conv = await sb.wait_talking("91201", "203")
        assert conv["uniqueId"] == answer["uniqueid"]
        assert not sb.channels("201")


@pytest.mark.live
async def test_call_from_a_cellphone(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        answer = await sb.post("call", {"number": "202", "endpointId": "0612345678", "endpointType": "cellphone"})
        assert answer["uniqueid"]
        conv = await sb.wait_talking("202", "0612345678", "the cellphone (through trunk1) calls 202")
        assert conv["chSource"]["channel"].startswith("Local/0612345678@from-internal-")
        await sb.refused("call", {"number": "202", "endpointId": "0612345678", "endpointType": "cellphone"},
                         403, "not-your-extension", user="bob")


@pytest.mark.live
async def test_call_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        for body, field in [
            ({}, "number"),
            ({"number": "call me"}, "number"),
            ({"number": "202\r\nAction: Hangup"}, "number"),
            ({"number": "202", "endpointId": "201"}, "endpointType"),
            ({"number": "202", "endpointId": "", "endpointType": "cellphone"}, "endpointId"),
            ({"number": "202", "endpointId": "", "endpointTpe": "fridge"}, "endpointType"),
            ({"to": "20 2 x", "endpointId": "", "endpointTpe": "extension"}, "number"),
            ({"number": "202", "endpointId": "201", "endpointType": "fax"}, "endpointType"),
            ({"number": "202", "endpointId": "20\n1", "endpointType": "extension"}, "endpointId"),
        ]:
            assert field in await sb.refused("call", body, 400, "invalid-request"), body
        ours = {"number": "203", "endpointId": "201", "endpointType": "extension"}
        assert await sb.refused("call", ours, 403, "not-your-extension", user="bob") == {"endpointId": "201"}
        unknown = {"number": "203", "endpointId": "299", "endpointType": "extension"}
        await sb.refused("call", unknown, 404, "no-such-extension")  # alice may call from any phone (ad_phone)
        await sb.refused("call", unknown, 403, "not-your-extension", user="bob")
        assert not sb.astproxy.current().channels


@pytest.mark.live
async def test_a_phone_that_cannot_take_the_call_is_an_answer_not_a_hang(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        offline = {"number": "202", "endpointId": "204", "endpointType": "extension"}  # no phone registered
        details = await sb.refused("call", offline, 502, "ami-originate-failed")
        assert details["channel"] == "PJSIP/204"
        assert not sb.channels("202")


@pytest.mark.live
async def test_call_echo(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        await sb.refused("call_echo", {"endpointId": "201"}, 403, "not-your-extension", user="bob")
        await sb.refused("call_echo", {}, 400, "invalid-request", user="bob")
        answer = await sb.post("call_echo", {"endpointId": "202"}, user="bob")
        (channel,) = sb.channels("202")
        assert sb.astproxy.channel(channel).uniqueid == answer["uniqueid"]

        async def echoing() -> bool:
            listing = await asyncio.to_thread(demo_pbx_clean.cli, "core show channels concise")
            return any(line.startswith(f"{channel}!") and "!Echo!" in line for line in listing.splitlines())

        await eventually(echoing, "202 hears its echo")


@pytest.mark.live
async def test_hangup_a_conversation(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        await sb.refused("hangup", {"convid": convid, "endpointId": "202"}, 403, "not-your-extension", user="carol")
        await sb.refused("hangup", {"convid": "PJSIP/202-00009999>", "endpointId": "202"}, 404,
                         "no-such-conversation", user="bob")
        await sb.refused("hangup", {"convid": convid, "endpointId": "299"}, 404, "no-such-extension")
        assert "convid" in await sb.refused("hangup", {"convid": convid + "\n", "endpointId": "202"}, 400,
                                            "invalid-request", user="bob")
        assert "endpointId" in await sb.refused("hangup", {"convid": convid}, 400, "invalid-request")
        (bob,) = sb.channels("202")
        answer = await sb.post("hangup", {"convid": convid, "endpointId": "202", "endpointType": "extension"},
                               user="bob")
        assert answer == {"hungup": bob}
        await sb.wait_idle("201", "202")


@pytest.mark.live
async def test_hangup_a_channel_of_ones_calls(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        await sb.call("202", "203")
        (carol,) = sb.channels("203")
        (bob,) = sb.channels("202")
        body = {"channel": carol, "endpointId": "202", "endpointType": "extension"}
        await sb.refused("hangup_channel", {**body, "endpointId": "201"}, 404, "no-such-conversation")
        await sb.refused("hangup_channel", {**body, "endpointType": "cellphone"}, 400, "invalid-request", user="bob")
        await sb.refused("hangup_channel", body, 403, "not-your-extension", user="dave")
        assert await sb.post("hangup_channel", body, user="bob") == {"hungup": carol}  # the other end
        await sb.wait_idle("202", "203")
        assert bob not in sb.astproxy.current().channels


@pytest.mark.live
async def test_hangup_every_call_of_a_user(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        await sb.call("201", "202")
        await sb.call("91201", "203")
        await sb.refused("hangup_mainexten", {"exten": "201"}, 403, "not-your-extension", user="carol")
        await sb.refused("hangup_mainexten", {"exten": "299"}, 404, "no-such-extension")
        await sb.refused("hangup_mainexten", {}, 400, "invalid-request")
        bob = sb.channels("202")
        assert await sb.post("hangup_mainexten", {"exten": "202"}) == {"hungup": bob}  # alice may: hangup permission
        await wait_until(lambda: not sb.channels("201") and not sb.channels("202"), "alice's first call ends")
        assert sb.talking("91201", "203")
        secondary = sb.channels("91201")
        assert await sb.post("hangup_mainexten", {"exten": "201"}) == {"hungup": secondary}  # her secondary too
        await sb.wait_idle("91201", "203")


@pytest.mark.live
async def test_force_hangup(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("202", "203")
        body = {"convid": convid, "endpointId": "203", "endpointType": "extension"}
        # the original checked nothing: anyone could end anyone's call
        await sb.refused("force_hangup", body, 403, "not-your-extension", user="bob")
        await sb.refused("force_hangup", {**body, "endpointType": "cellphone"}, 400, "invalid-request", user="carol")
        (carol,) = sb.channels("203")
        assert await sb.post("force_hangup", body, user="carol") == {"hungup": carol}
        await sb.wait_idle("202", "203")


@pytest.mark.live
async def test_mute_and_unmute(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        (bob,) = sb.channels("202")
        body = {"convid": convid, "endpointId": "202"}
        await sb.refused("mute", body, 403, "not-your-extension")  # own extension only: no permission bypasses
        await sb.refused("mute", {**body, "convid": "PJSIP/202-00000099>"}, 404, "no-such-conversation", user="bob")
        assert await sb.post("mute", body, user="bob") == {"muted": bob, "direction": "in"}
        assert await sb.post("unmute", body, user="bob") == {"unmuted": bob}
        assert sb.talking("202", "201") and sb.talking("201", "202")  # the call goes on


@pytest.mark.live
async def test_recall_on_busy_queues_the_caller_in_astdb(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        assert await sb.post("recall_on_busy", {"caller": "201", "called": "202"}) == {"waitingExtensions": 1}
        assert await asyncio.to_thread(pbx.db_get, "ROB", "202") == "201"
        assert await sb.post("recall_on_busy", {"caller": 203, "called": 202}, user="carol") == {
            "waitingExtensions": 2}
        assert await sb.post("recall_on_busy", {"caller": "201", "called": "202"}) == {"waitingExtensions": 2}
        assert await asyncio.to_thread(pbx.db_get, "ROB", "202") == "201&203"  # nobody twice
        await sb.refused("recall_on_busy", {"caller": "201", "called": "203"}, 403, "not-your-extension", user="bob")
        await sb.refused("recall_on_busy", {"caller": "202", "called": "299"}, 404, "no-such-extension", user="bob")
        assert "called" in await sb.refused("recall_on_busy", {"caller": "202"}, 400, "invalid-request", user="bob")


# ------------------------------------------------------------------ without a PBX


async def test_503_while_the_model_is_not_loaded_and_while_ami_is_down(tmp_path, transcript):
    recorded = transcript("basic_call")
    async with FakeAMI() as fake:
        fake.answer("PJSIPShowEndpoints", lambda fields: None)  # Asterisk never answers: no model
        async with running_app(demo_conf(tmp_path, fake.port, "nethcti", "secret")) as app:
            client = app.test_client()
            headers = await log_in(client, "alice", "alice-pw")
            await wait_until(lambda: app.extensions["ami"].connected, "AMI is up")
            response = await client.post("/webrest/astproxy/call", json={"number": "202"}, headers=headers)
            assert response.status_code == 503
            assert (await response.get_json())["error_id"] == "pbx-model-not-ready"

            fake_ami_answers(fake, recorded.raw["connected"])
            fake.drop_clients()
            astproxy = app.extensions["astproxy"]
            await wait_until(lambda: astproxy.ready, "the model is loaded")
            (ref,) = astproxy.conversations("201")
            await fake.stop()
            await wait_until(lambda: not app.extensions["ami"].connected, "AMI is down")
            for operation, body in [("hangup", {"convid": ref.id, "endpointId": "201"}),
                                    ("call", {"number": "202"}), ("mute", {"convid": ref.id, "endpointId": "201"})]:
                response = await client.post(f"/webrest/astproxy/{operation}", json=body, headers=headers)
                assert response.status_code == 503, operation
                assert (await response.get_json())["error_id"] == "ami-unavailable"
