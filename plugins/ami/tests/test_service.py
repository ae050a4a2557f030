"""The link and the action service against a fake AMI server: fast, no Asterisk."""

import asyncio

import pytest
from nethcti_ami.errors import AMIActionError, AMIInjection, AMITimeout, AMIUnavailable, OriginateFailed
from nethcti_ami.testing import AMIProbe, FakeAMI, ami_conf, wait_until

from nethcti.testing import running_app

FAST_RETRY = {"reconnect_min": 0.05, "reconnect_max": 0.2}


async def status_page(app) -> dict:
    """GET /status, as a monitoring probe does."""
    response = await app.test_client().get("/status")
    return await response.get_json()


async def test_login_then_up_status_and_ami_connected(tmp_path):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        await wait_until(lambda: probe.connected == 1, "ami_connected fired")
        login = pbx.actions("Login")[0]
        assert (login["Username"], login["Secret"], login["Events"]) == ("nethcti", "secret", "on")
        status = await status_page(app)
        assert status["status"] == "ok"
        report = status["plugins"]["ami"]
        assert report["ok"] is True and report["state"] == "up"
        assert (report["asterisk_version"], report["ami_version"]) == ("16.28.0-fake", "5.0.1")
        assert report["uptime"] >= 0 and report["up_since"] and report["link_ups"] == 1
        assert report["actions_in_flight"] == 0
    assert pbx.actions("Logoff"), "a clean shutdown logs off"


@pytest.mark.parametrize("turns", range(12))
async def test_leaving_right_after_start_stops_at_once(tmp_path, turns, logs):
    """Whatever the connector is doing when the app stops (connecting, logging in, up), it stops: on Python 3.11
    asyncio.wait_for lost a cancellation that arrived as its awaitable completed, and shutdown hung 6 s."""
    async with FakeAMI() as pbx:
        async with asyncio.timeout(3):  # Quart's test shutdown gives up after 6 s with a bare TimeoutError
            async with running_app(ami_conf(tmp_path / str(turns), pbx.port)) as app:
                for _ in range(turns):
                    await asyncio.sleep(0)
        assert app.extensions["ami"].connector.protocol is None
        assert not [r for r in logs if r["level"].no >= 30], "a clean stop logs no warning"


async def test_wrong_secret_is_logged_once_and_retried_with_backoff(tmp_path, logs):
    probe = AMIProbe()
    async with FakeAMI(secret="right") as pbx, running_app(
        ami_conf(tmp_path, pbx.port, secret="wrong", **FAST_RETRY), extra_plugins=[("probe", probe)]
    ) as app:
        await wait_until(lambda: pbx.refused_logins >= 4, "several login attempts")
        errors = [r for r in logs if r["level"].name == "ERROR"]
        assert len(errors) == 1
        message = errors[0]["message"]
        assert "login to 127.0.0.1" in message and "'nethcti' refused: Authentication failed" in message
        retries = [r for r in logs if r["level"].name == "DEBUG" and "refused" in r["message"]]
        assert len(retries) >= 3  # the same problem again is not logged above debug
        status = await status_page(app)
        assert status["status"] == "degraded"
        report = status["plugins"]["ami"]
        assert report["ok"] is False and report["state"] != "up" and "Authentication failed" in report["last_error"]
        with pytest.raises(AMIUnavailable) as refused:
            await app.extensions["ami"].send_action({"Action": "Ping"})
        assert (refused.value.status_code, refused.value.error_id) == (503, "ami-unavailable")
        assert probe.connected == 0


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap():
    from nethcti_ami.connector import Backoff

    lowest, highest = Backoff(0.5, 10, rng=lambda: 0.0), Backoff(0.5, 10, rng=lambda: 1.0)
    assert [lowest.next() for _ in range(7)] == [0.25, 0.5, 1, 2, 4, 5, 5]
    assert [highest.next() for _ in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    highest.reset()
    assert highest.next() == 0.5


async def test_actions_fail_fast_while_down_are_never_replayed_and_the_link_returns(tmp_path, logs):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(
        ami_conf(tmp_path, pbx.port, action_timeout=30, **FAST_RETRY), extra_plugins=[("probe", probe)]
    ) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        port = pbx.port
        await pbx.stop()
        await wait_until(lambda: probe.disconnected == 1, "ami_disconnected fired")
        # at once, not after the 30 s action timeout
        with pytest.raises(AMIUnavailable):
            await asyncio.wait_for(ami.send_action({"Action": "UserEvent", "UserEvent": "while-down"}), 2)
        assert (await status_page(app))["status"] == "degraded"
        await pbx.start(port)
        await wait_until(lambda: probe.connected == 2, "ami_connected fired again")
        assert ami.connected
        await ami.send_action({"Action": "Ping"})
        assert not [a for a in pbx.received if a.get("UserEvent") == "while-down"]
        lost = [r for r in logs if r["level"].name == "WARNING" and "lost" in r["message"]]
        assert len(lost) == 1


async def test_a_pending_action_fails_with_503_when_the_link_drops(tmp_path):
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port, **FAST_RETRY)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("Status", lambda fields: None)
        pending = asyncio.create_task(ami.send_action({"Action": "Status"}, timeout=30))
        await wait_until(lambda: pbx.actions("Status"), "action received")
        pbx.drop_clients()
        with pytest.raises(AMIUnavailable):
            await asyncio.wait_for(pending, 2)


async def test_an_unanswered_action_times_out_with_504_and_its_late_replies_are_no_events(tmp_path):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("Status", lambda fields: None)
        with pytest.raises(AMITimeout) as late:
            await ami.send_action({"Action": "Status"}, timeout=0.2)
        assert (late.value.status_code, late.value.error_id) == (504, "ami-timeout")
        assert ami.status()["actions_in_flight"] == 0
        action_id = pbx.actions("Status")[0]["ActionID"]
        await pbx.push({"Response": "Success", "ActionID": action_id, "EventList": "start"},
                       {"Event": "Status", "ActionID": action_id, "Channel": "PJSIP/201-00000001"},
                       {"Event": "StatusComplete", "ActionID": action_id},
                       {"Event": "UserEvent", "UserEvent": "marker", "ActionID": "someone-else-1"})
        await probe.wait_event("UserEvent")
        assert probe.names() == ["FullyBooted", "UserEvent"]
        assert (await ami.send_action({"Action": "Ping"})).response == "Success"  # the link is fine


@pytest.mark.parametrize("action", [
    {"Action": "Originate", "Channel": "PJSIP/201\r\nAction: Hangup", "Exten": "202"},
    {"Action": "Originate", "Channel": "PJSIP/201", "Variable": ["A=1", "B=2\nAction: Hangup"]},
    {"Action": "Originate", "Channel\r\nAction: Hangup\r\nChannel": "PJSIP/201"},
    {"Action": "Originate\r", "Channel": "PJSIP/201"},
])
async def test_a_line_break_in_any_field_is_refused_and_nothing_is_sent(tmp_path, action):
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        with pytest.raises(AMIInjection) as refused:
            await ami.send_action(action)
        assert (refused.value.status_code, refused.value.error_id) == (400, "ami-injection")
        field = next(key for key, value in action.items() if any(c in key + "".join(value) for c in "\r\n"))
        assert refused.value.details == {"field": field}
        assert repr(field) in refused.value.message
        with pytest.raises(AMIInjection):
            await ami.originate("PJSIP/201", exten="202", context="x", caller_id='"Eve" <1>\nAction: Hangup')
        await ami.send_action({"Action": "Ping"})  # the stream is in order: what was sent before this is here now
        await wait_until(lambda: pbx.actions("Ping"), "the ping arrived")
        assert [a["Action"] for a in pbx.received] == ["Login", "CoreSettings", "Ping"]


async def test_an_error_response_raises_502_unless_raw(tmp_path):
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("Hangup", lambda fields: [{"Response": "Error", "Message": "No such channel"}])
        with pytest.raises(AMIActionError) as refused:
            await ami.send_action({"Action": "Hangup", "Channel": "PJSIP/999-0001"})
        assert (refused.value.status_code, refused.value.error_id) == (502, "ami-error")
        assert refused.value.message == "Asterisk refused Hangup: No such channel"
        reply = await ami.send_action({"Action": "Hangup", "Channel": "PJSIP/999-0001"}, raw=True)
        assert (reply.response, reply.message) == ("Error", "No such channel")


def _endpoint_list(fields):
    rows = [{"Event": "EndpointList", "ObjectType": "endpoint", "ObjectName": name} for name in ("201", "202")]
    return [{"Response": "Success", "EventList": "start", "Message": "A listing of Endpoints follows"}, *rows,
            {"Event": "EndpointListComplete", "EventList": "Complete", "ListItems": "2"}]


async def test_a_list_action_returns_its_events_up_to_complete(tmp_path):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port), extra_plugins=[("probe", probe)]) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("PJSIPShowEndpoints", _endpoint_list)
        rows = await ami.send_list_action({"Action": "PJSIPShowEndpoints"})
        assert [(r.event, r.objectname) for r in rows] == [("EndpointList", "201"), ("EndpointList", "202")]
        raw = await ami.send_list_action({"Action": "PJSIPShowEndpoints"}, raw=True)
        assert [m.get("Response") or m.event for m in raw] == ["Success", "EndpointList", "EndpointList",
                                                                "EndpointListComplete"]
        assert "EndpointList" not in probe.names()  # replies to an action are not events for the plugins
        with pytest.raises(AMIActionError, match="Invalid/unknown command"):
            await ami.send_list_action({"Action": "SIPpeers"})


async def test_originate_always_sends_async_true(tmp_path):
    def queued_then(result):
        def answer(fields):
            response = {"Event": "OriginateResponse", "Response": result, "Channel": fields["Channel"],
                        "Reason": "4" if result == "Success" else "5", "Uniqueid": "1700000000.42"}
            return [{"Response": "Success", "Message": "Originate successfully queued"}, response]
        return answer

    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("Originate", queued_then("Success"))
        reply = await ami.originate("PJSIP/201", exten="202", context="from-internal", Async="false")
        assert reply.message == "Originate successfully queued"
        sent = pbx.actions("Originate")[0]
        assert (sent["Async"], sent["Exten"], sent["Priority"], sent["Timeout"]) == ("true", "202", "1", "15000")
        answered = await ami.originate("PJSIP/201", application="Playback", data="beep", wait=True,
                                       variables={"CALLERID(name)": "CTI"})
        assert (answered.event, answered.uniqueid) == ("OriginateResponse", "1700000000.42")
        assert pbx.actions("Originate")[1]["Variable"] == "CALLERID(name)=CTI"
        pbx.answer("Originate", queued_then("Failure"))
        with pytest.raises(OriginateFailed) as failed:
            await ami.originate("PJSIP/202", exten="203", context="from-internal", wait=True)
        assert (failed.value.status_code, failed.value.error_id) == (502, "ami-originate-failed")
        assert failed.value.details == {"reason": 5, "channel": "PJSIP/202"} and "busy" in failed.value.message


async def test_a_ping_without_answer_drops_a_half_open_link(tmp_path, logs):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(
        ami_conf(tmp_path, pbx.port, ping_interval=0.1, action_timeout=0.2, **FAST_RETRY),
        extra_plugins=[("probe", probe)],
    ):
        await wait_until(lambda: probe.connected == 1, "link up")
        pbx.answer("Ping", lambda fields: None)
        await wait_until(lambda: probe.disconnected == 1, "link dropped")
        assert any("no answer to Ping" in r["message"] for r in logs if r["level"].name == "WARNING")
        pbx.answer("Ping", lambda fields: [{"Response": "Success", "Ping": "Pong"}])
        await wait_until(lambda: probe.connected == 2, "link up again")


async def test_asterisk_shutdown_event_takes_the_link_down(tmp_path):
    probe = AMIProbe()
    async with FakeAMI() as pbx, running_app(
        ami_conf(tmp_path, pbx.port, **FAST_RETRY), extra_plugins=[("probe", probe)]
    ) as app:
        await wait_until(lambda: probe.connected == 1, "link up")
        await pbx.push({"Event": "Shutdown", "Shutdown": "Cleanly", "Restart": "True"})
        await wait_until(lambda: probe.disconnected == 1, "link down on Shutdown")
        assert "Shutdown" in probe.names()
        await wait_until(lambda: probe.connected == 2, "link up again")
        assert app.extensions["ami"].status()["link_ups"] == 2


async def test_command_returns_the_output_lines(tmp_path):
    async with FakeAMI() as pbx, running_app(ami_conf(tmp_path, pbx.port)) as app:
        ami = app.extensions["ami"]
        assert await ami.wait_connected(5)
        pbx.answer("Command", lambda fields: [  # Asterisk 14+: one Output header per line
            f"Response: Success\r\nActionID: {fields['ActionID']}\r\nMessage: Command output follows\r\n"
            "Output: Contact:  201/sip:201@127.0.0.1  NonQual\r\nOutput: Objects found: 1\r\nOutput: "
        ])
        lines = await ami.command("pjsip show contacts")
        assert lines == ["Contact:  201/sip:201@127.0.0.1  NonQual", "Objects found: 1", ""]
        assert pbx.actions("Command")[0]["Command"] == "pjsip show contacts"


async def test_a_port_that_is_not_ami_is_reported(tmp_path, logs):
    async def not_ami(reader, writer):
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_server(not_ami, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with running_app(ami_conf(tmp_path, port, **FAST_RETRY)) as app:
            ami = app.extensions["ami"]
            await wait_until(lambda: ami.status()["failed_attempts"] >= 2, "attempts failed")
            assert "not an Asterisk manager" in ami.status()["last_error"]
            assert not ami.connected
    finally:
        server.close()
