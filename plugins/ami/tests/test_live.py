"""The ami plugin against a real Asterisk 16 (the demo PBX): login, events of a real call, list actions,
timeouts, injection, and Asterisk killed and restarted under a running server."""

import asyncio

import pytest
from nethcti_ami.errors import AMIInjection, AMITimeout, AMIUnavailable
from nethcti_ami.testing import AMIProbe, ami_conf, wait_until

from nethcti.testing import running_app

pytestmark = pytest.mark.live


def pbx_conf(tmp_path, pbx, **options):
    return ami_conf(tmp_path, pbx.ami_port, pbx.ami_username, pbx.ami_secret, **options)


async def status_page(app) -> dict:
    response = await app.test_client().get("/status")
    return await response.get_json()


async def test_login_versions_and_status(tmp_path, demo_pbx):
    probe = AMIProbe()
    async with running_app(pbx_conf(tmp_path, demo_pbx), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(10)
        await wait_until(lambda: probe.connected == 1, "ami_connected fired")
        assert probe.names()[0] == "FullyBooted"
        report = (await status_page(app))["plugins"]["ami"]
        assert report["ok"] is True and report["state"] == "up"
        assert report["asterisk_version"].startswith("16.") and report["ami_version"].startswith("5.")
        assert ami.asterisk_version == report["asterisk_version"]
        version = await ami.command("core show version")
        assert version[0].startswith(f"Asterisk {ami.asterisk_version} built by")


async def test_wrong_secret_is_a_clear_error_and_is_retried(tmp_path, demo_pbx, logs):
    conf = ami_conf(tmp_path, demo_pbx.ami_port, demo_pbx.ami_username, "not-the-secret",
                    reconnect_min=0.1, reconnect_max=0.4)
    async with running_app(conf) as app:
        ami = app.extensions["ami"]
        await wait_until(lambda: ami.status()["failed_attempts"] >= 3, "retried with back-off", timeout=15)
        errors = [r["message"] for r in logs if r["level"].name == "ERROR"]
        assert len(errors) == 1 and "refused: Authentication failed" in errors[0]
        assert f"as {demo_pbx.ami_username!r}" in errors[0] and "check the username and secret" in errors[0]
        status = await status_page(app)
        assert status["status"] == "degraded" and status["plugins"]["ami"]["ok"] is False
        with pytest.raises(AMIUnavailable):
            await ami.send_action({"Action": "Ping"})


async def test_events_of_a_call_reach_the_plugins_in_ami_order(tmp_path, demo_pbx_clean):
    probe = AMIProbe()
    hangups = AMIProbe(patterns=("Hangup",))
    async with running_app(
        pbx_conf(tmp_path, demo_pbx_clean), extra_plugins=[("probe", probe), ("hangups", hangups)]
    ) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(10)
        answered = await ami.originate("PJSIP/201", exten="202", context="from-internal",
                                       caller_id="Alice <201>", wait=True)
        assert answered.response == "Success" and answered.uniqueid
        await probe.wait_event("BridgeEnter", Channel="PJSIP/202-*")
        # the channel list while the call is up (a list action)
        channels = await ami.send_list_action({"Action": "CoreShowChannels"})
        assert {c.channel.split("-")[0] for c in channels} == {"PJSIP/201", "PJSIP/202"}
        assert all(c.event == "CoreShowChannel" for c in channels)

        await ami.send_action({"Action": "Hangup", "Channel": "/^PJSIP/201-.*$/"})
        await hangups.wait_event("Hangup", Channel="PJSIP/202-*")
        await hangups.wait_event("Hangup", Channel="PJSIP/201-*")
        assert set(hangups.names()) == {"Hangup"}

        names = [(e.event, e.channel.split("-")[0]) for e in probe.events]
        for phone in ("PJSIP/201", "PJSIP/202"):
            seen = [name for name, channel in names if channel == phone]
            steps = ["Newchannel", "BridgeEnter", "BridgeLeave", "Hangup"]
            assert [s for s in seen if s in steps] == steps, f"{phone}: {seen}"
        assert names.index(("DialBegin", "PJSIP/201")) < names.index(("BridgeEnter", "PJSIP/202"))
        assert "OriginateResponse" not in probe.names()  # it answered our action: not an event for plugins
        assert ami.status()["events_total"] >= len(probe.events)


async def test_list_actions(tmp_path, demo_pbx):
    async with running_app(pbx_conf(tmp_path, demo_pbx)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(10)
        endpoints = await ami.send_list_action({"Action": "PJSIPShowEndpoints"})
        assert {"201", "202", "203", "204"} <= {e.objectname for e in endpoints}
        assert {e.event for e in endpoints} == {"EndpointList"}
        offline = next(e for e in endpoints if e.objectname == "204")
        assert offline.devicestate == "Unavailable"

        status = await ami.send_list_action({"Action": "QueueStatus"})
        queues = {e.queue for e in status if e.event == "QueueParams"}
        assert {"401", "402"} <= queues
        members_401 = {e.name or e.location for e in status if e.event == "QueueMember" and e.queue == "401"}
        assert len(members_401) == 2

        one = await ami.send_list_action({"Action": "QueueStatus", "Queue": "402"})
        assert {e.queue for e in one if e.event == "QueueParams"} == {"402"}

        db = await ami.send_list_action({"Action": "DBGet", "Family": "QPENALTY/402/agents", "Key": "203"})
        assert [(e.event, e.val) for e in db] == [("DBGetResponse", "0")]
        missing = await ami.send_action({"Action": "DBGet", "Family": "nethcti-test", "Key": "nothing"}, raw=True)
        assert missing.response == "Error"


async def test_an_action_asterisk_answers_late_times_out(tmp_path, demo_pbx_clean):
    demo_pbx_clean.set_phone("203", "ring")
    try:
        async with running_app(pbx_conf(tmp_path, demo_pbx_clean)) as app:
            ami = app.extensions["ami"]
            assert await ami.wait_connected(10)
            # a synchronous Originate answers only when 203 answers: it rings (through the dialplan) for 5 s
            slow = {"Action": "Originate", "Channel": "Local/203@from-internal", "Async": "false",
                    "Exten": "202", "Context": "from-internal", "Priority": 1, "Timeout": 5000}
            with pytest.raises(AMITimeout) as late:
                await ami.send_action(slow, timeout=0.5)
            assert (late.value.status_code, late.value.error_id) == (504, "ami-timeout")
            assert ami.status()["actions_in_flight"] == 0
            assert (await ami.send_action({"Action": "Ping"})).ping == "Pong"
    finally:
        demo_pbx_clean.set_phone("203", "answer")
        demo_pbx_clean.hangup_all()


async def test_injection_is_refused_before_reaching_asterisk(tmp_path, demo_pbx_clean):
    probe = AMIProbe(patterns=("Hangup", "Newchannel"))
    async with running_app(pbx_conf(tmp_path, demo_pbx_clean), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(10)
        with pytest.raises(AMIInjection) as refused:
            await ami.originate("PJSIP/201\r\nAction: Hangup\r\nChannel: /.*/", exten="202", context="from-internal")
        assert (refused.value.status_code, refused.value.error_id, refused.value.details) == (
            400, "ami-injection", {"field": "Channel"})
        await ami.send_action({"Action": "Ping"})
        assert probe.events == [] and demo_pbx_clean.channels() == []


async def test_asterisk_killed_then_restarted(tmp_path, fresh_pbx):
    probe = AMIProbe(patterns=("FullyBooted",))
    conf = pbx_conf(tmp_path, fresh_pbx, action_timeout=30, reconnect_min=0.1, reconnect_max=1.0)
    async with running_app(conf, extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        await wait_until(lambda: probe.connected == 1, "link up")

        await asyncio.to_thread(fresh_pbx.kill)
        await wait_until(lambda: probe.disconnected == 1, "ami_disconnected fired")
        with pytest.raises(AMIUnavailable) as down:
            # fails at once, not after the 30 s action timeout
            await asyncio.wait_for(ami.send_action({"Action": "CoreShowChannels"}), 2)
        assert (down.value.status_code, down.value.error_id) == (503, "ami-unavailable")
        status = await status_page(app)
        assert status["status"] == "degraded"
        assert status["plugins"]["ami"]["ok"] is False and "lost" in status["plugins"]["ami"]["last_error"]

        await asyncio.to_thread(fresh_pbx.start, 20)
        await wait_until(lambda: probe.connected == 2, "link back after the restart", timeout=8)
        assert ami.connected and len(probe.events) == 2  # FullyBooted of each boot
        assert (await status_page(app))["status"] == "ok"
        endpoints = await ami.send_list_action({"Action": "PJSIPShowEndpoints"})
        assert "201" in {e.objectname for e in endpoints}


async def test_replies_resolve_their_action_and_never_reach_event_handlers(tmp_path, demo_pbx_clean):
    probe = AMIProbe(patterns=("DBGet*", "QueueMemberAdded", "QueueMemberRemoved"))
    async with running_app(pbx_conf(tmp_path, demo_pbx_clean), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(10)
        member = {"Queue": "402", "Interface": "Local/204@from-queue/n"}
        # "Added interface to queue": panoramisk's own list guess would wait for more replies forever
        added = await ami.send_action({"Action": "QueueAdd", **member, "MemberName": "Dave"}, timeout=3)
        assert added.message == "Added interface to queue"
        await probe.wait_event("QueueMemberAdded", Interface="Local/204@from-queue/n")
        await ami.send_action({"Action": "QueueRemove", **member}, timeout=3)
        await probe.wait_event("QueueMemberRemoved", Interface="Local/204@from-queue/n")
        # DBGet answers with a list: send_action keeps only the response, and the list is no event
        found = await ami.send_action({"Action": "DBGet", "Family": "QPENALTY/402/agents", "Key": "201"})
        assert found.response == "Success"
        await ami.send_action({"Action": "Ping"})
        assert [e.event for e in probe.events] == ["QueueMemberAdded", "QueueMemberRemoved"]
