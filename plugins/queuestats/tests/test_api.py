"""The queue statistics API on a queue_log of known calls (nethcti_queuestats.testing), on SQLite and on MariaDB:
figures, recall lists, permissions, refusals."""

from __future__ import annotations

from datetime import datetime

import pytest
from nethcti_queuestats.testing import NOW, ql


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


async def test_queue_stats_count_today_only(stats_app, queue_log_url):
    async with stats_app(queue_log_url) as api:
        stats = await api.get("/qmanager_qstats/401")
        assert stats == {
            "queueman": "401", "tot": 4, "tot_processed": 1, "processed_less_sla": 1, "processed_greater_sla": 0,
            "tot_null": 1, "tot_failed": 2, "failed_inqueue_noagents": 0, "failed_withkey": 0, "failed_timeout": 1,
            "failed_abandon": 1, "failed_full": 0, "failed_outqueue_noagents": 0,
            "min_duration": 30, "max_duration": 30, "avg_duration": 30, "min_wait": 4, "max_wait": 30,
            "avg_wait": 18, "sla": 30, "nullCallPeriod": 5,
        }
        sales = await api.get("/qmanager_qstats/402", user="dave")
        assert (sales["tot"], sales["tot_processed"], sales["failed_withkey"], sales["min_wait"],
                sales["max_wait"], sales["avg_duration"]) == (2, 1, 1, 7, 10, 60)


async def test_half_hour_history(stats_app, queue_log_url):
    async with stats_app(queue_log_url) as api:
        hist = await api.get("/qmanager_qcalls_hist")
        assert list(hist) == ["401"]
        total = hist["401"]["total"]
        assert len(total) == 25  # 00:00-00:30 … 12:00-12:30, the current one
        assert total[0]["date"] == "05-March-24-00:30" and total[-1]["date"] == "05-March-24-12:30"
        by_end = {slot["date"][-5:]: slot["value"] for slot in total}
        assert (by_end["10:30"], by_end["11:00"], by_end["11:30"]) == (3, 1, 0)
        answered = {slot["date"][-5:]: slot["value"] for slot in hist["401"]["answered"]}
        failed = {slot["date"][-5:]: slot["value"] for slot in hist["401"]["failed"]}
        invalid = {slot["date"][-5:]: slot["value"] for slot in hist["401"]["invalid"]}
        assert (answered["10:30"], failed["10:30"], invalid["10:30"], failed["11:00"]) == (1, 1, 1, 1)
        assert datetime.fromisoformat(total[-1]["fullDate"]).timestamp() == at("2024-03-05 12:30:00")


async def test_agent_statistics(stats_app, queue_log_url):
    async with stats_app(queue_log_url) as api:
        agents = await api.get("/qmanager_astats")
        assert set(agents) == {"Alice Rossi", "Bob Bianchi"}  # the members of 401, the queue alice supervises
        alice = agents["Alice Rossi"]
        assert alice["401"] == {"calls_taken": 1, "last_call_time": at("2024-03-05 10:00:34"),
                                "duration_incoming": 30, "max_duration_incoming": 30, "min_duration_incoming": 30,
                                "avg_duration_incoming": 30}
        assert alice["incomingCalls"]["duration_incoming"] == 30
        assert alice["allCalls"] == {"avg_duration": 30, "min_duration": 30, "max_duration": 30}
        bob = agents["Bob Bianchi"]
        assert bob["401"] == {"no_answer_calls": 1}
        assert bob["outgoingCalls"] == {"outgoing_calls": 1, "duration_outgoing": 45, "max_duration_outgoing": 45,
                                        "min_duration_outgoing": 45, "avg_duration_outgoing": 45}

        carol = (await api.get("/qmanager_astats", user="dave"))["Carol Verdi"]["402"]
        assert carol["time_in_logon"] == 9000 and carol["time_in_pause"] == 600
        assert (carol["pause_percent"], carol["conversation_percent"]) == (7, 1)
        assert carol["last_login_time"] == at("2024-03-05 09:00:00")
        assert carol["last_logout_time"] == at("2024-03-05 11:30:00")
        assert carol["last_paused_time"] == at("2024-03-05 09:30:00")
        assert carol["calls_taken"] == 1

        # an agent's own figures, keyed by queue; bob's only
        own = await api.get("/queue_astats", user="bob")
        assert own["401"] == {"no_answer_calls": 1} and own["outgoingCalls"]["outgoing_calls"] == 1
        assert (await api.get("/queue_astats"))["401"]["calls_taken"] == 1


async def test_recall_lists(stats_app, queue_log_url):
    async with stats_app(queue_log_url) as api:
        body = await api.get("/qmanager_queue_recall/24/401/all", limit=200, offset=0)
        assert body["count"] == 3
        assert [(r["cid"], r["action"], r["direction"]) for r in body["rows"]] == [
            ("0612345678", "DONE", "IN"), ("0611111111", "TIMEOUT", "IN"), ("0698765432", "DONE", "OUT")]
        mario, null_call, called_back = body["rows"]
        assert mario == {"cid": "0612345678", "name": "Mario Bianchi", "company": "Bianchi Srl", "action": "DONE",
                         "time": at("2024-03-05 10:00:34"), "direction": "IN", "queuename": "401",
                         "event": "COMPLETECALLER", "uniqueid": "1709629200.1"}
        assert (null_call["event"], called_back["name"], called_back["time"]) == (
            "ABANDON", "Luigi Verdi", at("2024-03-05 11:00:00"))

        lost = await api.get("/qmanager_queue_recall/24/401/lost")
        assert [r["cid"] for r in lost["rows"]] == ["0611111111"]
        done = await api.get("/qmanager_queue_recall/24/401/done", limit=1, offset=1)
        assert done["count"] == 2 and [r["cid"] for r in done["rows"]] == ["0698765432"]
        # the agent's list is the same for the queues they are a member of
        assert (await api.get("/queue_recall/24/401/all", user="bob"))["count"] == 3
        # one hour back: only the key-press caller of Sales
        assert [r["cid"] for r in (await api.get("/qmanager_queue_recall/1/402/lost", user="dave"))["rows"]] == [
            "0633333333"]


async def test_recall_without_the_cdr_table(stats_app, tmp_path):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}", cdr_table=None) as api:
        body = await api.get("/qmanager_queue_recall/24/401/all")
        assert [(r["cid"], r["action"], r["name"]) for r in body["rows"]] == [
            ("0612345678", "DONE", ""), ("0611111111", "TIMEOUT", ""), ("0698765432", "TIMEOUT", "")]
        assert "outgoingCalls" not in (await api.get("/qmanager_astats"))["Bob Bianchi"]


async def test_recall_info_of_a_caller(stats_app, queue_log_url):
    async with stats_app(queue_log_url) as api:
        calls = await api.get("/qmanager_qrecall_info/24/0698765432/401")
        assert [(c["action"], c["event"], c["direction"], c["hold"]) for c in calls] == [
            ("TIMEOUT", "EXITWITHTIMEOUT", "IN", 20), ("TIMEOUT", "ABANDON", "IN", 30), ("DONE", "DONE", "OUT", 0)]
        assert calls[2] == {"queuename": "401", "direction": "OUT", "action": "DONE", "time": at("2024-03-05 11:00:00"),
                            "position": 0, "duration": 45, "hold": 0, "cid": "0698765432", "agent": "Bob Bianchi",
                            "event": "DONE"}
        mario = await api.get("/qrecall_info/48/0612345678/401", user="bob")
        assert [(c["event"], c["duration"], c["hold"]) for c in mario] == [("COMPLETECALLER", 60, 5),
                                                                          ("COMPLETECALLER", 30, 4)]
        assert await api.get("/qrecall_info/24/0600000000/401", user="bob") == []


async def test_live_counters_and_recall_check(stats_app, tmp_path):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}") as api:
        assert await api.get("/qmanager_qcalls") == {"401": {"cc_counter": 0, "waiting_counter": 0, "tot": 0}}
        assert await api.get("/qmanager_qcalls", user="dave") == {
            "402": {"cc_counter": 0, "waiting_counter": 0, "tot": 0}}
        assert await api.get("/qrecall_check/0698765432", user="bob") == {"inConversation": False}


async def test_permissions(stats_app, tmp_path):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}") as api:
        for path in ("/qmanager_astats", "/qmanager_qcalls", "/qmanager_qcalls_hist", "/qalarms",
                     "/qmanager_qstats/401", "/qmanager_queue_recall/12/401/all", "/qmanager_qrecall_info/12/1/401"):
            refused = await api.get(path, user="bob", status=403)
            assert (refused["error_id"], refused["details"]) == ("permission-denied", {"permission": "qmanager"}), path
        for path in ("/queue_recall/12/401/all", "/qrecall_info/12/1/401", "/qrecall_check/201"):
            refused = await api.get(path, user="dave", status=403)
            assert refused["details"] == {"permission": "queue_agent.lost_queue_call"}, path
        assert (await api.get("/queue_astats", user="carol", status=403))["details"] == {"permission": "queue_agent"}

        # a supervisor of 402 only: not 401's figures, recalls or callers
        for path in ("/qmanager_qstats/401", "/qmanager_queue_recall/12/401,402/all",
                     "/qmanager_qrecall_info/12/1/401"):
            refused = await api.get(path, user="dave", status=403)
            assert (refused["error_id"], refused["details"]) == (
                "queue-not-allowed", {"queue": "401", "permission": "qmanager.qmanager_401"}), path
        # an agent: the lost calls of their own queues only
        refused = await api.get("/queue_recall/12/402/all", user="bob", status=403)
        assert (refused["error_id"], refused["details"]) == ("not-queue-member", {"queue": "402"})
        await api.get("/qrecall_info/12/0611111111/402", user="bob", status=403)
        # the supervisor's lists hold their queues only
        assert list(await api.get("/qmanager_astats", user="dave")) == ["Carol Verdi"]
        assert (await api.get("/qalarms", user="dave"))["list"].keys() <= {"402"}


@pytest.mark.parametrize(("path", "field"), [
    ("/qmanager_queue_recall/0/401/all", "hours"),
    ("/qmanager_queue_recall/49/401/all", "hours"),
    ("/qmanager_queue_recall/-1/401/all", "hours"),
    ("/qmanager_queue_recall/1x/401/all", "hours"),
    ("/queue_recall/%C2%B3/401/all", "hours"),  # "³": str.isdigit() but not int() (the fuzzer's 500)
    ("/qmanager_queue_recall/12/401/missed", "type"),
    ("/qmanager_queue_recall/12/499/all", "qids"),
    ("/qmanager_queue_recall/12/401,ctiopqueue3/all", "qids"),
    ("/qmanager_queue_recall/12/,,/all", "qids"),
    ("/queue_recall/12/401/ALL", "type"),
    ("/qmanager_qrecall_info/12/06%2012/401", "cid"),
    ("/qmanager_qrecall_info/100/0612/401", "hours"),
    ("/qrecall_info/12/" + "1" * 41 + "/401", "cid"),
    ("/qrecall_check/20%3B1", "num"),
])
async def test_every_input_is_validated(stats_app, tmp_path, path, field):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}") as api:
        refused = await api.get(path, status=400)
        assert field in refused["details"], refused


async def test_paging_is_bounded_and_unknown_queues_are_404(stats_app, tmp_path):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}") as api:
        assert "limit" in (await api.get("/qmanager_queue_recall/12/401/all", status=400, limit=501))["details"]
        assert "offset" in (await api.get("/qmanager_queue_recall/12/401/all", status=400, offset=-1))["details"]
        for path in ("/qmanager_qstats/499", "/qmanager_qrecall_info/12/0612/499", "/qrecall_info/12/0612/499"):
            assert (await api.get(path, status=404))["error_id"] == "no-such-queue", path


async def test_a_database_gone_is_503(stats_app, tmp_path):
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}", rows=[ql("2024-03-05 10:00:00", "1", "401",
                                                                                 "NONE", "DID", "401")]) as api:
        assert (await api.get("/qmanager_qstats/401"))["tot"] == 1
        (tmp_path / "ql.db").unlink()
        (tmp_path / "ql.db").mkdir()  # not a database any more
        await api.stats.reader.engine.dispose()
        assert (await api.get("/qmanager_qstats/401", status=503))["error_id"] == "queue-log-unavailable"
    assert NOW.date().isoformat() == "2024-03-05"
