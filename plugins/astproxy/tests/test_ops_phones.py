"""Desk-phone operations on the demo PBX: tones reach the far end (Asterisk's RTP log), the sipp phone receives the
NOTIFYs of answer / toggle_hold / phone_reload (sipp's message log), and a stand-in HTTP-API phone (a real local
HTTP server) receives the vendor URLs of answer and click-to-call."""

import asyncio
import json
import threading
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import switchboard

pytestmark = pytest.mark.live

NOTIFY_ALL = '\n[astproxy]\nnotify_user_agents = [".*"]\n'  # the sipp phones have no user agent: "" matches


class LogTail:
    """Lines a log file gains from now on."""

    def __init__(self, path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def text(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace")


def notifies(tail: LogTail, exten: str) -> list[str]:
    """The Event header of every NOTIFY the sipp phone of ``exten`` received since ``tail`` started."""
    events = []
    for block in tail.text().split("-----------------------------------------------"):
        if "message received" in block and f"NOTIFY sip:{exten}@" in block:
            events += [line.split(":", 1)[1].strip() for line in block.splitlines() if line.startswith("Event:")]
    return events


class RtpLog(LogTail):
    """Asterisk's log with ``rtp set debug on`` while in use: RFC 4733 events sent to the phones."""

    def __init__(self, pbx):
        self.pbx = pbx
        super().__init__(pbx.asterisk_out)

    def __enter__(self):
        self.pbx.cli("rtp set debug on")
        return self

    def __exit__(self, *exc):
        self.pbx.cli("rtp set debug off")

    def digits_sent(self, port: int | None = None) -> int:
        """One timestamp per digit (each is sent several times)."""
        return len({line.split(" ts ")[1].split(",")[0] for line in self.text().splitlines()
                    if line.startswith("Sent RTP DTMF packet") and (port is None or f":{port} " in line)})


# ------------------------------------------------------------------ dtmf


async def test_dtmf_is_played_to_the_other_party(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        bob = sb.channels("202")[0]
        with RtpLog(demo_pbx_clean) as rtp:
            answer = await sb.post("dtmf", {"convid": convid, "endpointId": "201", "tone": "5"})
            assert answer == {"exten": "201", "channel": bob, "tone": "5"}
            await wait_until(lambda: rtp.digits_sent() == 1, "one RFC 4733 digit sent to 202", 10)
            # without convid: the extension's call; a digit as a JSON number is fine
            await sb.post("dtmf", {"endpointId": "201", "tone": 7})
            await wait_until(lambda: rtp.digits_sent() == 2, "a second digit", 10)


async def test_dtmf_refuses_what_is_not_one_tone_and_someone_else_s_call(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        for tone in ("x", "12", "", None, "5\r\nAction: Hangup"):
            details = await sb.refused("dtmf", {"endpointId": "201", "tone": tone}, 400, "invalid-request")
            assert "tone" in details
        assert "endpointId" in await sb.refused("dtmf", {"tone": "1"}, 400, "invalid-request")
        await sb.refused("dtmf", {"endpointId": "201", "tone": "1"}, 404, "no-such-conversation")  # no call
        convid = await sb.call("201", "202")
        await sb.refused("dtmf", {"convid": convid, "endpointId": "201", "tone": "1"}, 403, "not-your-extension",
                         user="carol")
        await sb.refused("dtmf", {"convid": convid + "x", "endpointId": "201", "tone": "1"}, 404,
                         "no-such-conversation")
        await sb.refused("dtmf", {"endpointId": "299", "tone": "1"}, 403, "not-your-extension")


# ------------------------------------------------------------------ NOTIFY


async def test_answer_sends_notify_talk_to_the_ringing_phone(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, NOTIFY_ALL) as sb:
        pbx.set_phone("201", "ring")
        await sb.ami.originate("PJSIP/202", exten="201", context="from-internal", caller_id="202")
        await wait_until(lambda: sb.astproxy.extension("201").status == "ringing", "201 rings")
        tail = LogTail(pbx.sipp_messages)
        answer = await sb.post("answer", {"endpointId": "201", "endpointType": "extension"})
        assert answer == {"exten": "201", "sent": "notify", "event": "talk"}
        await wait_until(lambda: notifies(tail, "201") == ["talk"], "the phone of 201 received NOTIFY Event: talk")


async def test_toggle_hold_and_phone_reload_send_notify(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, NOTIFY_ALL) as sb:
        convid = await sb.call("201", "202")
        tail = LogTail(pbx.sipp_messages)
        assert (await sb.post("toggle_hold", {"convid": convid, "endpointId": "201"}))["event"] == "hold"
        await wait_until(lambda: notifies(tail, "201") == ["hold"], "the phone of 201 received NOTIFY Event: hold")
        assert await sb.post("phone_reload", {"exten": "201"}) == {"exten": "201", "reloading": True}
        await wait_until(lambda: notifies(tail, "201") == ["hold", "check-sync"], "NOTIFY Event: check-sync")
        # bob's phone, someone else's conversation, no conversation
        await sb.refused("phone_reload", {"exten": "202"}, 403, "not-your-extension")
        await sb.refused("toggle_hold", {"convid": "PJSIP/1>PJSIP/2", "endpointId": "201"}, 404,
                         "no-such-conversation")
        await sb.refused("toggle_hold", {"endpointId": "201"}, 403, "not-your-extension", user="carol")
        assert "exten" in await sb.refused("phone_reload", {"exten": "2 01"}, 400, "invalid-request")


async def test_a_phone_that_takes_no_remote_command_is_a_409(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        await sb.refused("answer", {"endpointId": "201"}, 409, "phone-not-supported")
        await sb.refused("answer", {"endpointId": "202"}, 403, "not-your-extension", user="carol")
        await sb.refused("answer", {"endpointId": "201", "endpointType": "cellphone"}, 400, "invalid-request")
        await sb.refused("answer", {}, 400, "invalid-request")


# ------------------------------------------------------------------ the HTTP API of a phone


class HttpPhone:
    """A real HTTP server standing in for a desk phone's HTTP API: records each GET (path, basic credentials)."""

    def __init__(self, status: int = 200):
        self.requests: list[tuple[str, str]] = []
        phone = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                auth = self.headers.get("Authorization", "")
                credentials = b64decode(auth.split(" ", 1)[1]).decode() if auth.startswith("Basic ") else ""
                phone.requests.append((self.path, credentials))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def phone_conf(tmp_path, port: int, click_to_call: str = "disabled") -> str:
    urls = {"Snom": {"urls": {"answer": "http://$PHONE_IP:1/never"}},  # first match wins: not this one
            "yealink": {"urls": {
                "answer": f"http://$PHONE_USER:$PHONE_PASS@$PHONE_IP:{port}/servlet?key=OK",
                "call": f"http://$PHONE_USER:$PHONE_PASS@$PHONE_IP:{port}/servlet?key=number=$NUMBER&outgoing_uri="
                        "$ACCOUNT"}}}
    path = tmp_path / "phone_urls.json"
    path.write_text(json.dumps(urls))
    conf_dir = tmp_path / "conf.d"  # switchboard's; a drop-in after its 70-switchboard.toml, which has alice
    conf_dir.mkdir(exist_ok=True)
    (conf_dir / "80-phones.toml").write_text("""
[users.accounts.alice]
extensions = [{ id = "201", web_user = "adm in", web_password = "p@ss/w#rd" },
              { id = "91201", type = "webrtc", user = "91201", password = "sip-secret" }]
""")
    return f"""
[astproxy]
phone_urls_file = "{path}"
click_to_call = "{click_to_call}"
phone_http_timeout = 2.0
"""


def as_yealink(sb, exten: str = "201") -> None:
    """What PJSIPShowEndpoint tells of a registered Yealink (the demo's phones are static contacts)."""
    ext = sb.astproxy.extension(exten)
    ext.useragent, ext.ip = "Yealink SIP-T46S 66.86.0.15", "127.0.0.1"


async def test_answer_on_an_http_api_phone_gets_its_vendor_url(tmp_path, demo_pbx_clean):
    with HttpPhone() as phone:
        async with switchboard(tmp_path, demo_pbx_clean, phone_conf(tmp_path, phone.port)) as sb:
            as_yealink(sb)
            answer = await sb.post("answer", {"endpointId": "201"})
            assert answer == {"exten": "201", "sent": "http", "phoneRespStatusCode": 200}
            assert phone.requests == [("/servlet?key=OK", "adm in:p@ss/w#rd")]  # credentials encoded, intact
            await sb.refused("toggle_hold", {"endpointId": "201"}, 404, "no-such-conversation")  # not in a call


async def test_a_failing_phone_is_a_502(tmp_path, demo_pbx_clean):
    with HttpPhone(status=401) as phone:
        async with switchboard(tmp_path, demo_pbx_clean, phone_conf(tmp_path, phone.port)) as sb:
            as_yealink(sb)
            await sb.refused("answer", {"endpointId": "201"}, 502, "phone-request-failed")


async def test_click_to_call_through_the_phone_s_http_api(tmp_path, demo_pbx_clean):
    with HttpPhone() as phone:
        conf = phone_conf(tmp_path, phone.port, click_to_call="enabled")
        async with switchboard(tmp_path, demo_pbx_clean, conf) as sb:
            as_yealink(sb)
            answer = await sb.post("call", {"number": "+39 0721#", "endpointId": "201", "endpointType": "extension"})
            assert answer == {"exten": "201", "number": "00390721#", "phoneRespStatusCode": 200}
            assert phone.requests == [("/servlet?key=number=00390721%23&outgoing_uri=201", "adm in:p@ss/w#rd")]
            await asyncio.sleep(0.3)
            assert not sb.channels("201")  # the phone dials: no Originate
            # a phone without a call URL (202, no user agent): the Originate as before
            await sb.post("call", {"number": "203", "endpointId": "202", "endpointType": "extension"})
            await sb.wait_talking("202", "203")


# ------------------------------------------------------------------ toggle_mute, cancel


async def test_toggle_mute_mutes_then_unmutes(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        body = {"convid": convid, "endpointId": "201"}
        channel = sb.channels("201")[0]
        assert await sb.post("toggle_mute", body) == {"convid": convid, "channel": channel, "muted": True}
        assert (await sb.post("toggle_mute", body))["muted"] is False
        await sb.refused("toggle_mute", body, 403, "not-your-extension", user="carol")


async def test_cancel_hangs_up_the_call_being_set_up(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        await sb.refused("cancel", {"convid": "", "endpointId": "201"}, 404, "no-such-conversation")
        pbx.set_phone("201", "ring")
        # a click-to-call through the dialplan, so that the sipp phone rings (the Originate of "call" alike)
        await sb.ami.originate("Local/201@from-internal", exten="202", context="from-internal", caller_id="201")
        await wait_until(lambda: sb.astproxy.extension("201").status == "ringing", "201 rings")
        ringing = sb.channels("201")
        answer = await sb.post("cancel", {"convid": "", "endpointId": "201", "endpointType": "extension"})
        assert answer == {"hungup": ringing}
        await sb.wait_idle("201", "202")
