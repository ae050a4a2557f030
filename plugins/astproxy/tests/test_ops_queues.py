"""Queue agents logging in and out, pausing, toggling dynamic queues through the HTTP API, on the demo PBX."""

import asyncio

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard

pytestmark = pytest.mark.live


async def asterisk_member(sb: Switchboard, queue: str, exten: str) -> dict | None:
    """The agent's QueueMember row of QueueStatus (as Asterisk has it), or None."""
    rows = await sb.ami.send_list_action({"Action": "QueueStatus", "Queue": queue})
    for row in rows:
        if row.get("Event") == "QueueMember" and (row.get("Location") or row.get("Interface")) == \
                f"Local/{exten}@from-queue/n":
            return {key: row.get(key) for key in ("Membership", "Penalty", "Paused", "PausedReason")}
    return None


def member(sb: Switchboard, queue: str, exten: str) -> dict | None:
    """The agent as the clients see it (queue JSON), or None."""
    return sb.astproxy.to_json(sb.astproxy.queue(queue))["members"].get(exten)


def logged_in(sb: Switchboard, queue: str, exten: str) -> bool:
    return (member(sb, queue, exten) or {}).get("loggedIn") is True


def paused(sb: Switchboard, queue: str, exten: str) -> bool:
    return (member(sb, queue, exten) or {}).get("paused") is True


async def test_an_agent_logs_in_pauses_and_logs_out(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        body = {"endpointId": "202", "queueId": "402"}
        # no QPENALTY/402/agents/202 key: the original failed here; the penalty is 0
        answer = await sb.post("queuemember_add", body, user="bob")
        assert answer == {"exten": "202", "queue": "402", "added": True, "penalty": 0, "paused": False}
        assert await asterisk_member(sb, "402", "202") == {"Membership": "dynamic", "Penalty": "0", "Paused": "0",
                                                            "PausedReason": ""}
        await wait_until(lambda: logged_in(sb, "402", "202"), "bob is an agent of 402 in the model")
        assert member(sb, "402", "202")["type"] == "dynamic" and member(sb, "402", "202")["name"] == "Bob Bianchi"
        assert await sb.post("queuemember_add", body, user="bob") == {"exten": "202", "queue": "402", "added": False}

        answer = await sb.post("queuemember_pause", {**body, "reason": "lunch"}, user="bob")
        assert answer == {"exten": "202", "queue": "402", "paused": True, "reason": "lunch"}
        row = await asterisk_member(sb, "402", "202")
        assert (row["Paused"], row["PausedReason"]) == ("1", "lunch")
        await wait_until(lambda: paused(sb, "402", "202"), "paused in the model")
        assert member(sb, "402", "202")["lastPausedInReason"] == "lunch"
        assert not paused(sb, "401", "202")  # only the queue named

        assert (await sb.post("queuemember_unpause", body, user="bob"))["paused"] is False
        assert (await asterisk_member(sb, "402", "202"))["Paused"] == "0"
        await wait_until(lambda: not paused(sb, "402", "202"), "unpaused in the model")

        # no queueId: every queue (402, where bob logged in, and 401, where he is a static member)
        answer = await sb.post("queuemember_pause", {"endpointId": "202", "reason": "meeting"}, user="bob")
        assert answer == {"exten": "202", "queue": None, "paused": True, "reason": "meeting"}
        await wait_until(lambda: paused(sb, "401", "202") and paused(sb, "402", "202"), "paused in both queues")
        assert (await asterisk_member(sb, "401", "202"))["PausedReason"] == "meeting"
        await sb.post("queuemember_unpause", {"endpointId": "202"}, user="bob")
        await wait_until(lambda: not paused(sb, "401", "202") and not paused(sb, "402", "202"), "unpaused in both")

        assert await sb.post("queuemember_remove", body, user="bob") == {"exten": "202", "queue": "402",
                                                                           "removed": True}
        assert await asterisk_member(sb, "402", "202") is None
        await wait_until(lambda: member(sb, "402", "202") is None, "bob is no agent of 402 in the model")
        assert (await sb.post("queuemember_remove", body, user="bob"))["removed"] is False
        details = await sb.refused("queuemember_remove", {"endpointId": "202", "queueId": "401"}, 409,
                                   "static-queue-member", user="bob")
        assert details == {"queueId": "401"}
        assert logged_in(sb, "401", "202")


async def test_a_supervisor_logs_an_agent_in_with_its_penalty(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    await asyncio.to_thread(pbx.db_put, "QPENALTY", "402/agents/203", "2")
    async with switchboard(tmp_path, pbx) as sb:
        assert not logged_in(sb, "402", "203")  # listed (dynmembers) but logged out
        answer = await sb.post("queuemember_add", {"endpointId": "203", "queueId": "402", "paused": "true"})
        assert answer == {"exten": "203", "queue": "402", "added": True, "penalty": 2, "paused": True}
        row = await asterisk_member(sb, "402", "203")
        assert (row["Penalty"], row["Paused"]) == ("2", "1")
        await wait_until(lambda: logged_in(sb, "402", "203") and paused(sb, "402", "203"), "carol in, paused")
        await sb.post("queuemember_remove", {"endpointId": "203", "queueId": "402"})
        await wait_until(lambda: not logged_in(sb, "402", "203"), "carol logged out")
        assert member(sb, "402", "203") is not None  # still listed: a dynmember of 402


async def test_dynamic_queues_toggle(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        assert await sb.post("inout_dyn_queues", {"endpointId": "203"}) == {"exten": "203", "dialed": "*45"}
        await wait_until(lambda: logged_in(sb, "402", "203"), "the PBX logs carol into 402")
        assert (await asterisk_member(sb, "402", "203"))["Membership"] == "dynamic"
        await wait_until(lambda: not sb.channels("203") and not sb.astproxy.model.channels, "the toggle call ended")
        await sb.post("inout_dyn_queues", {"endpointId": "203"})
        await wait_until(lambda: not logged_in(sb, "402", "203"), "and out again")
        assert await asterisk_member(sb, "402", "203") is None


async def test_queue_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        details = await sb.refused("queuemember_add", {"endpointId": "203", "queueId": "402"}, 403,
                                   "operation-forbidden", user="carol")
        assert details == {"permission": "queue_agent.ad_queue_agent or queue_agent"}
        for operation in ("queuemember_add", "queuemember_remove", "queuemember_pause", "inout_dyn_queues"):
            await sb.refused(operation, {"endpointId": "203", "queueId": "402"}, 403, "not-your-extension", user="bob")
        assert await sb.refused("queuemember_add", {"endpointId": "201", "queueId": "499"}, 404,
                                "no-such-queue") == {"queueId": "499"}
        await sb.refused("queuemember_pause", {"endpointId": "201", "queueId": "499"}, 404, "no-such-queue")
        await sb.refused("queuemember_add", {"endpointId": "299", "queueId": "402"}, 404, "no-such-extension")
        await sb.refused("queuemember_pause", {"endpointId": "91201"}, 404, "not-a-queue-member")
        assert "queueId" in await sb.refused("queuemember_add", {"endpointId": "201"}, 400, "invalid-request")
        assert "paused" in await sb.refused("queuemember_add", {"endpointId": "201", "queueId": "402",
                                                                 "paused": "perhaps"}, 400, "invalid-request")
        assert "reason" in await sb.refused("queuemember_pause", {"endpointId": "201", "reason": "x" * 201}, 400,
                                            "invalid-request")
        assert await asterisk_member(sb, "402", "201") is None
