"""Transfers, parking, pickup, voicemail and the operator's waiting queue through the HTTP API, on the demo PBX.

Each test checks where the call lands, on the PBX and in the model; every wait polls with a deadline.
"""

import asyncio

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import eventually, switchboard

pytestmark = pytest.mark.live


def parked_in(sb, channel: str) -> str | None:
    """The slot ``channel`` is parked in, or None."""
    return next((slot for slot, parking in sb.astproxy.current().parkings.items()
                 if parking.parked is not None and parking.parked.channel == channel), None)


async def waiting_caller(sb, caller: str, queue: str) -> str:
    """``caller`` calls ``queue``, where nobody answers; returns its waiting channel."""
    await sb.ami.originate(f"PJSIP/{caller}", exten=queue, context="from-internal", caller_id=caller)
    await wait_until(lambda: sb.astproxy.queue(queue).waiting, f"{caller} waits in queue {queue}")
    (channel,) = sb.astproxy.queue(queue).waiting
    return channel


async def test_blind_transfer_lands_on_the_third_extension(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        (bob,) = sb.channels("202")
        body = {"convid": convid, "endpointId": "201", "to": "203"}
        await sb.refused("blindtransfer", body, 403, "not-your-extension", user="carol")
        assert "to" in await sb.refused("blindtransfer", {**body, "to": "2O3"}, 400, "invalid-request")
        await sb.refused("blindtransfer", {**body, "convid": convid[::-1]}, 404, "no-such-conversation")
        assert await sb.post("blindtransfer", body) == {"transferred": bob, "to": "203"}
        conv = await sb.wait_talking("203", "202", "bob lands on carol")
        assert conv["chSource"]["channel"] == bob
        await wait_until(lambda: not sb.channels("201"), "alice is out of the call")


async def test_attended_transfer_consults_then_joins(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("202", "201")
        (bob,) = sb.channels("202")
        body = {"convid": convid, "endpointId": "202", "to": "203"}
        await sb.refused("atxfer", body, 403, "not-your-extension", user="carol")
        await sb.refused("atxfer", {"convid": convid, "endpointId": "202"}, 400, "invalid-request", user="bob")
        # bob has no transfer permission: his own extension is enough
        assert await sb.post("atxfer", body, user="bob") == {"transferring": bob, "to": "203"}
        await wait_until(lambda: sb.talking("203") is not None and len(sb.channels("202")) == 1,
                         "bob consults carol while alice holds")
        assert sb.channels("201")
        await sb.ami.send_action({"Action": "Hangup", "Channel": bob})  # bob hangs up: the transfer completes
        await wait_until(lambda: not sb.channels("202") and sb.talking("201", "203") and sb.talking("203", "201"),
                         "alice and carol talk")
        # through the two halves of the Local channel the transfer dialled
        leg = sb.talking("201")["chDest"]["channel"]
        assert leg.startswith("Local/203@from-internal-") and sb.talking("203")["chSource"]["channel"] == leg[:-1] + "2"


async def test_park_then_pick_up_from_the_lot(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "203")
        (carol,) = sb.channels("203")
        body = {"convid": convid, "endpointId": "201", "applicantId": "201"}
        await sb.refused("park", {**body, "applicantId": "201"}, 403, "not-your-extension", user="bob")
        await sb.refused("park", {**body, "applicantId": "202"}, 404, "no-such-conversation")  # not a party
        await sb.refused("park", {"convid": convid, "endpointId": "201"}, 400, "invalid-request")
        assert await sb.post("park", body) == {"parked": carol}
        await wait_until(lambda: parked_in(sb, carol), "carol is parked")
        slot = parked_in(sb, carol)

        pickup = {"parking": slot, "destId": "202"}
        await sb.refused("pickup_parking", pickup, 403, "operation-forbidden", user="carol")  # no parkings
        await sb.refused("pickup_parking", {**pickup, "destId": "201"}, 403, "not-your-extension", user="bob")
        await sb.refused("pickup_parking", {**pickup, "parking": "799"}, 404, "no-such-parking", user="bob")
        empty = "702" if slot != "702" else "703"
        await sb.refused("pickup_parking", {**pickup, "parking": empty}, 404, "no-such-parking", user="bob")
        assert await sb.post("pickup_parking", pickup, user="bob") == {"redirected": carol, "to": "202"}
        await sb.wait_talking("202", "203", "bob talks with carol")
        await wait_until(lambda: not parked_in(sb, carol), "the lot is empty again")


async def test_a_parked_call_transferred_elsewhere(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("203", "202")
        (carol,) = sb.channels("203")
        # bob parks his caller; alice (ad_parking) could too, and sends it on to her secondary phone
        assert await sb.post("park", {"convid": convid, "endpointId": "202", "applicantId": "202"},
                             user="bob") == {"parked": carol}
        await wait_until(lambda: parked_in(sb, carol), "carol is parked")
        slot = parked_in(sb, carol)
        body = {"parking": slot, "to": "91201"}
        await sb.refused("blindtransfer_parking", body, 403, "operation-forbidden", user="bob")
        await sb.refused("blindtransfer_parking", {**body, "parking": "7x"}, 404, "no-such-parking")
        assert await sb.post("blindtransfer_parking", body) == {"redirected": carol, "to": "91201"}
        await sb.wait_talking("91201", "203", "carol lands on alice's secondary phone")


async def test_pick_up_a_ringing_call(tmp_path, demo_pbx_clean):
    await asyncio.to_thread(demo_pbx_clean.set_phone, "202", "ring")
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        await sb.ami.originate("PJSIP/203", exten="202", context="from-internal", caller_id="203")
        await wait_until(lambda: sb.astproxy.extension("202").status == "ringing", "202 rings")
        (convid,) = sb.conversations("202")
        body = {"convid": convid, "endpointId": "202", "destId": "201"}
        await sb.refused("pickup_conv", {**body, "destId": "202"}, 403, "operation-forbidden", user="bob")
        await sb.refused("pickup_conv", {**body, "destId": "203"}, 403, "not-your-extension")
        await sb.refused("pickup_conv", {**body, "endpointId": "299"}, 404, "no-such-extension")
        answer = await sb.post("pickup_conv", body)
        assert answer["uniqueid"]
        conv = await sb.wait_talking("201", "203", "alice picked up carol's call")
        assert conv["uniqueId"] == answer["uniqueid"]
        await wait_until(lambda: not sb.channels("202"), "202 stops ringing")


async def test_pick_up_a_queue_waiting_caller(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        carol = await waiting_caller(sb, "203", "402")
        body = {"queue": "402", "waitCallerId": carol, "destId": "201"}
        await sb.refused("pickup_qwaitcaller", {**body, "destId": "202"}, 403, "operation-forbidden", user="bob")
        await sb.refused("pickup_qwaitcaller", {**body, "queue": "499"}, 404, "no-such-queue")
        await sb.refused("pickup_qwaitcaller", {**body, "queue": "401"}, 404, "no-such-conversation")
        await sb.refused("pickup_qwaitcaller", {**body, "waitCallerId": "PJSIP/203-\r\n"}, 400, "invalid-request")
        assert await sb.post("pickup_qwaitcaller", body) == {"redirected": carol, "to": "201"}
        await sb.wait_talking("201", "203", "alice talks with the caller")
        assert not sb.astproxy.queue("402").waiting


async def test_a_queue_waiting_caller_redirected_by_its_supervisor(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        carol = await waiting_caller(sb, "203", "402")
        body = {"queue": "402", "waitingCallerId": carol, "to": "202"}
        details = await sb.refused("blindtransfer_queue", body, 403, "operation-forbidden", user="bob")
        assert details == {"permission": "presence_panel.transfer or qmanager.qmanager_402"}
        await sb.refused("blindtransfer_queue", {**body, "queue": "401"}, 403, "operation-forbidden", user="dave")
        await sb.refused("blindtransfer_queue", {**body, "waitingCallerId": "PJSIP/203-1"}, 404,
                         "no-such-conversation", user="dave")
        # dave supervises queue 402 (qmanager_402) without the transfer permission
        assert await sb.post("blindtransfer_queue", body, user="dave") == {"redirected": carol, "to": "202"}
        await sb.wait_talking("202", "203", "bob talks with the caller")
        assert not sb.astproxy.queue("402").waiting


async def test_transfer_to_ones_voicemail(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("202", "201")
        (bob,) = sb.channels("202")
        body = {"convid": convid, "endpointId": "201", "voicemailId": "201", "username": "bob"}
        # the original trusted the body's username: bob could send alice's calls to any box of his
        await sb.refused("txfer_tovm", {**body, "endpointId": "202", "voicemailId": "201"}, 403,
                         "not-your-extension", user="bob")
        assert await sb.refused("txfer_tovm", {**body, "voicemailId": "202"}, 403, "not-your-extension") == {
            "voicemailId": "202"}
        await sb.refused("txfer_tovm", {**body, "endpointType": "cellphone"}, 400, "invalid-request")
        assert await sb.post("txfer_tovm", body) == {"redirected": bob, "voicemail": "201"}

        async def leaving_a_message() -> bool:
            listing = await asyncio.to_thread(demo_pbx_clean.cli, "core show channels concise")
            return any(line.startswith(f"{bob}!ext-local!vmu201!") and "!VoiceMail!" in line
                       for line in listing.splitlines())

        await eventually(leaving_a_message, "bob leaves alice a message")
        await wait_until(lambda: not sb.channels("201"), "alice is out of the call")


async def test_a_caller_put_in_the_operators_waiting_queue(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("202", "201")
        (bob,) = sb.channels("202")
        await sb.refused("op_wait_conv", {"convid": convid}, 403, "operation-forbidden", user="carol")
        await sb.refused("op_wait_conv", {"convid": convid}, 403, "operation-forbidden", user="bob")
        await sb.refused("op_wait_conv", {"convid": "PJSIP/203-00000001>"}, 404, "no-such-conversation")
        await sb.refused("op_wait_conv", {}, 400, "invalid-request")
        assert await sb.post("op_wait_conv", {"convid": convid}) == {"redirected": bob, "queue": "ctiopqueue3"}
        await wait_until(lambda: bob in sb.astproxy.queue("ctiopqueue3").waiting, "bob waits for the operator")
        await wait_until(lambda: not sb.channels("201"), "alice is free")
