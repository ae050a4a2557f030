"""Queue alarms: thresholds on the live model, a qmAlarm per change, the supervisor's qalarms list."""

from __future__ import annotations

from types import SimpleNamespace

from nethcti_ami.testing import wait_until
from nethcti_astproxy.objects import Queue, QueueMember, WaitingCaller
from nethcti_queuestats.alarms import Alarms
from nethcti_queuestats.schemas import QueueStatsSchema

CONFIG = QueueStatsSchema().load({"queue_log_url": "sqlite+aiosqlite://", "queueload_warning": 2,
                                  "queueload_failure": 3, "queueholdtime_warning": 30, "queueholdtime_failure": 0,
                                  "queuefewop_warning": 2, "queuefewop_failure": 1})


def support() -> Queue:
    queue = Queue("401", "Support")
    for exten, name in (("201", "Alice Rossi"), ("202", "Bob Bianchi")):
        queue.members[exten] = QueueMember("401", exten, name)
    return queue


async def test_alarms_follow_the_thresholds():
    queue, clock, sent = support(), [1000.0], []
    astproxy = SimpleNamespace(model=SimpleNamespace(queues={"401": queue, "ctiopqueue3": Queue("ctiopqueue3")}))

    async def emit(alarm):
        sent.append(alarm)

    alarms = Alarms(astproxy, CONFIG, emit, clock=lambda: clock[0])
    assert await alarms.check() == []  # two free agents, nobody waiting: nothing to say (operator queues ignored)

    queue.members["202"].paused = True  # one free agent: fewer than 2
    for n in range(2):
        queue.waiting[f"PJSIP/203-{n}"] = WaitingCaller("401", f"PJSIP/203-{n}", "203", "", str(n + 1), 990.0)
    changes = await alarms.check()
    assert [(c["queue"], c["alarm"], c["status"]) for c in changes] == [
        ("401", "queueload", "warning"), ("401", "queuefewop", "warning")]
    assert sent == changes and changes[0]["date"].endswith("Z")
    assert await alarms.check() == []  # no change, no event

    clock[0] = 1025.0  # the first caller has waited 35 s; a third caller comes; alice logs out
    queue.waiting["PJSIP/204-9"] = WaitingCaller("401", "PJSIP/204-9", "204", "", "3", 1024.0)
    queue.members["201"].logged_in = False
    changes = await alarms.check()
    assert {(c["alarm"], c["status"]) for c in changes} == {
        ("queueload", "failure"), ("queueholdtime", "warning"), ("queuefewop", "failure")}

    queue.waiting.clear()
    queue.members["201"].logged_in, queue.members["202"].paused = True, False
    changes = await alarms.check()
    assert {(c["alarm"], c["status"]) for c in changes} == {
        ("queueload", "okay"), ("queueholdtime", "okay"), ("queuefewop", "okay")}
    listing = alarms.listing(["401", "402"])
    assert listing["status"] is True and set(listing["list"]) == {"401"}
    assert listing["list"]["401"]["queueload"]["status"] == "okay"


async def test_alarms_off():
    queue = support()
    queue.members.clear()
    alarms = Alarms(SimpleNamespace(model=SimpleNamespace(queues={"401": queue})), {**CONFIG, "alarms": False},
                    emit=None)
    assert await alarms.check() == []
    assert alarms.listing(["401"]) == {"list": {}, "status": False}


async def test_the_supervisor_reads_the_alarms_of_their_queues(stats_app, tmp_path):
    # the recorded PBX: 401 has alice and bob, 402 nobody (fewer than 1 free agent: failure)
    async with stats_app(f"sqlite+aiosqlite:///{tmp_path / 'ql.db'}") as api:
        await wait_until(lambda: "402" in api.stats.alarms.states, "the alarm check ran")
        dave = await api.get("/qalarms", user="dave")
        assert dave["status"] is True
        assert {alarm: state["status"] for alarm, state in dave["list"]["402"].items()} == {"queuefewop": "failure"}
        assert await api.get("/qalarms") == {"list": {}, "status": True}  # alice: 401 is fine
        assert api.app.extensions["queuestats"].alarms.states["402"]["queuefewop"]["date"]
