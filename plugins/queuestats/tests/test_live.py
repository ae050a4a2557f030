"""Real queue calls on the demo PBX (answered, timed out, abandoned): Asterisk writes queue_log into SQLite through
realtime, and the routes return what happened."""

from __future__ import annotations

import asyncio
import random

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import eventually, switchboard
from nethcti_astproxy.testing import PASSWORDS
from nethcti_auth.testing import log_in

pytestmark = pytest.mark.live

QUEUESTATS = """
[users.profiles.qstats]
permissions = ["qmanager.qmanager_401", "qmanager.qmanager_402", "queue_agent.ad_queue_agent",
               "queue_agent.lost_queue_call"]

[users.accounts.dave]
profile = "qstats"
extensions = ["204"]

[queuestats]
enabled = true
queue_log_url = "sqlite+aiosqlite:///{db}"
null_call_period = 0
alarm_interval = 0.1
queueload_warning = 1
"""


async def test_real_queue_calls_make_the_statistics(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    answered, timed_out, abandoned = (f"06{random.randrange(10**8):08d}" for _ in range(3))
    async with switchboard(tmp_path, pbx, QUEUESTATS.format(db=pbx.cdr_db)) as sb:
        headers = await log_in(sb.client, "dave", PASSWORDS["dave"])  # supervisor of both queues

        async def get(path: str) -> dict:
            response = await sb.client.get(f"/webrest/astproxy{path}", headers=headers)
            assert response.status_code == 200, (path, await response.get_data())
            return await response.get_json()

        before = {q: await get(f"/qmanager_qstats/{q}") for q in ("401", "402")}

        # answered: alice and bob ring together (ringall), one of them answers
        await sb.ami.originate("PJSIP/203", exten="401", context="from-internal", caller_id=answered)
        await wait_until(lambda: (sb.talking("201") or sb.talking("202")) is not None, "an agent answers")
        await eventually(lambda: _true(get("/qmanager_qcalls"), lambda b: b["401"]["cc_counter"] == 1),
                         "one call connected through 401")
        assert await get(f"/qrecall_check/{answered}") == {"inConversation": True}
        await asyncio.sleep(1.2)
        await sb.ami.send_action({"Action": "Hangup", "Channel": "/^PJSIP/203-.*$/"}, raw=True)
        await sb.wait_idle("201", "202", "203")

        # timed out: nobody in Sales, the caller waits 2 s (QTIMEOUT) — the queueload alarm goes off meanwhile
        await sb.ami.originate("PJSIP/203", exten="402", context="from-internal", caller_id=timed_out,
                               variables={"QTIMEOUT": "2"})
        await wait_until(lambda: sb.astproxy.queue("402").waiting, "the caller waits in Sales")
        await eventually(lambda: _true(get("/qalarms"),
                                       lambda b: b["list"].get("402", {}).get("queueload", {}).get("status")
                                       == "warning"), "the queueload alarm of 402")
        await wait_until(lambda: not sb.astproxy.queue("402").waiting, "the caller leaves after 2 s", timeout=10)
        await sb.wait_idle("203")

        # abandoned: the caller hangs up after a second
        await sb.ami.originate("PJSIP/203", exten="402", context="from-internal", caller_id=abandoned)
        await wait_until(lambda: sb.astproxy.queue("402").waiting, "the caller waits in Sales")
        await asyncio.sleep(1.1)
        await sb.ami.send_action({"Action": "Hangup", "Channel": "/^PJSIP/203-.*$/"}, raw=True)
        await sb.wait_idle("203")

        async def logged() -> bool:
            recall = await get("/qmanager_queue_recall/1/401,402/all")
            return {answered, timed_out, abandoned} <= {row["cid"] for row in recall["rows"]}

        await eventually(logged, "the three calls are in queue_log")
        after = {q: await get(f"/qmanager_qstats/{q}") for q in ("401", "402")}
        assert after["401"]["tot"] - before["401"]["tot"] == 1
        assert after["401"]["tot_processed"] - before["401"]["tot_processed"] == 1
        assert after["401"]["max_duration"] >= 1
        assert after["402"]["tot"] - before["402"]["tot"] == 2
        assert after["402"]["failed_timeout"] - before["402"]["failed_timeout"] == 1
        assert after["402"]["failed_abandon"] - before["402"]["failed_abandon"] == 1
        assert after["402"]["max_wait"] >= 1

        rows = {row["cid"]: row for row in (await get("/qmanager_queue_recall/1/401,402/all"))["rows"]}
        assert (rows[answered]["queuename"], rows[answered]["action"], rows[answered]["event"]) == (
            "401", "DONE", "COMPLETECALLER")
        assert (rows[timed_out]["queuename"], rows[timed_out]["event"]) == ("402", "EXITWITHTIMEOUT")
        assert (rows[abandoned]["action"], rows[abandoned]["event"]) == ("TIMEOUT", "ABANDON")
        lost = {row["cid"] for row in (await get("/qmanager_queue_recall/1/402/lost"))["rows"]}
        assert {timed_out, abandoned} <= lost and answered not in lost

        info = await get(f"/qmanager_qrecall_info/1/{answered}/401")
        assert [(c["direction"], c["event"]) for c in info] == [("IN", "COMPLETECALLER")]
        assert info[0]["duration"] >= 1 and info[0]["agent"] in ("Alice Rossi", "Bob Bianchi")

        agents = await get("/qmanager_astats")
        assert sum(agents.get(name, {}).get("401", {}).get("calls_taken", 0)
                   for name in ("Alice Rossi", "Bob Bianchi")) >= 1
        assert await get(f"/qrecall_check/{answered}") == {"inConversation": False}


async def _true(body, check) -> bool:
    return check(await body)
