"""Opening a door on the demo PBX (a real Asterisk 16, phones answered by sipp): the DTMF reaches the source's
extension, by a call to it or on the call it is in.

Asterisk raises no AMI event for DTMF it sends, so the proof is its RTP debug log: one RFC 4733 event (one
timestamp) per digit sent to the phone."""

import asyncio
from contextlib import asynccontextmanager

import httpx
import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.testing import PASSWORDS, demo_conf
from nethcti_auth.testing import client_token
from nethcti_streaming.testing import Camera
from nethcti_websocket.testing import served

from nethcti.server import build

pytestmark = pytest.mark.live

SOURCES = """
[websocket]
enabled = true
[streaming]
enabled = true
[streaming.sources.vs_door]
description = "Door phone on 203 (204 is offline on the demo PBX)"
url = "{camera}/snapshot.png"
extension = "203"
open = "1*#"
[users.profiles.full]
permissions = ["streaming.vs_door"]
"""


@asynccontextmanager
async def serving(tmp_path, pbx):
    info = pbx.ami_info()
    async with Camera() as camera:
        conf = demo_conf(tmp_path, info["port"], info["username"], info["secret"])
        (conf / "70-streaming.toml").write_text(SOURCES.format(camera=camera.url))
        app = build(conf)
        async with served(app) as url, httpx.AsyncClient(base_url=url, timeout=20) as http:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            response = await http.post("/webrest/authentication/login",
                                       json={"username": "alice", "password": PASSWORDS["alice"]})
            nonce = response.headers["www-authenticate"].split(" ")[1]
            http.headers["Authorization"] = f"alice:{client_token('alice', PASSWORDS['alice'], nonce)}"
            yield app, http


class DtmfLog:
    """What Asterisk logs from now on, with ``rtp set debug on`` while in use."""

    def __init__(self, pbx):
        self.pbx = pbx

    def __enter__(self):
        self.pbx.cli("rtp set debug on")
        self.offset = self.pbx.asterisk_out.stat().st_size
        return self

    def __exit__(self, *exc):
        self.pbx.cli("rtp set debug off")

    def lines(self) -> list[str]:
        with self.pbx.asterisk_out.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace").splitlines()

    def digits_sent(self) -> int:
        """RFC 4733 events sent: one timestamp per digit (each is sent several times)."""
        return len({line.split(" ts ")[1].split(",")[0] for line in self.lines()
                    if line.startswith("Sent RTP DTMF packet")})


async def test_open_calls_the_door_phone_and_sends_the_dtmf(tmp_path, demo_pbx_clean):
    async with serving(tmp_path, demo_pbx_clean) as (_app, http):
        with DtmfLog(demo_pbx_clean) as dtmf:
            response = await http.post("/webrest/streaming/open", json={"id": "vs_door"})
            assert response.status_code == 200, response.text
            await wait_until(lambda: dtmf.digits_sent() == 3, "1*# sent to 203", 10)


async def test_open_sends_the_dtmf_on_the_call_the_door_phone_is_in(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with serving(tmp_path, pbx) as (app, http):
        def door_rings_alice():
            with pbx.ami() as ami:
                ami.action("Originate", Channel="PJSIP/203", Context="from-internal", Exten="201", Priority="1",
                           Async="true", CallerID="<203>")

        await asyncio.to_thread(door_rings_alice)
        astproxy = app.extensions["astproxy"]
        await wait_until(lambda: any(c.startswith("PJSIP/203-") for c in astproxy.extension("203").channels),
                         "203 is in a call", 10)
        channel = next(iter(astproxy.extension("203").channels))
        with DtmfLog(pbx) as dtmf:
            response = await http.post("/webrest/streaming/open", json={"id": "vs_door"})
            assert response.status_code == 200, response.text
            await wait_until(lambda: dtmf.digits_sent() == 3, "1*# played on 203's call", 10)
            assert not any("Called 203" in line for line in dtmf.lines())  # on the call: 203 is not called again
        assert channel in pbx.channels()
        await asyncio.to_thread(pbx.hangup_all)
