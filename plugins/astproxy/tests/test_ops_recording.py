"""Recording (MixMonitor), listening and intruding (ChanSpy) through the HTTP API, on the demo PBX."""

import asyncio
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard
from nethcti_astproxy.testing import demo_conf, fake_ami_answers

from nethcti.testing import running_app

# bob records his own calls, listens and intrudes; carol supervises queue 401 (its agents: 201, 202) and
# records anyone's calls; alice (operator) and dave hold none of these permissions
PROFILES = """
[users.profiles.agent]
permissions = ["settings.privacy", "settings.dnd", "settings.parkings", "queue_agent", "presence_panel.trunks",
               "settings.recording", "presence_panel.spy", "presence_panel.intrude"]

[users.profiles.recorder]
name = "Supervisor of 401"
permissions = ["settings.privacy", "qmanager.qmanager_401", "presence_panel.ad_recording"]

[users.accounts.carol]
profile = "recorder"
"""


def recordings_conf(path: Path) -> str:
    return PROFILES + f'\n[astproxy]\nrecordings_dir = "{path}"\n'


def recording(sb: Switchboard, exten: str, convid: str) -> str:
    return sb.conversations(exten)[convid]["recording"]


async def getvar(sb: Switchboard, channel: str, variable: str) -> str:
    reply = await sb.ami.send_action({"Action": "Getvar", "Channel": channel, "Variable": variable})
    return reply.get("Value", "")


@pytest.mark.live
async def test_record_mute_unmute_stop(tmp_path, demo_pbx_clean):
    recordings = tmp_path / "recordings"
    async with switchboard(tmp_path, demo_pbx_clean, recordings_conf(recordings)) as sb:
        convid = await sb.call("202", "201")  # bob calls alice
        body = {"convid": convid, "endpointId": "202"}

        answer = await sb.post("start_record", body, user="bob")
        file = Path(answer["file"])
        assert answer == {"convid": convid, "recording": "true", "file": str(file)}
        assert file.parent.parent.parent.parent == recordings  # <dir>/YYYY/MM/DD/<file>
        assert file.name.startswith("exten-201-202-") and file.suffix == ".wav"  # called, then caller
        await wait_until(file.exists, "MixMonitor writes the file in the configured directory")
        source = convid.split(">")[0]
        assert await getvar(sb, source, "ONETOUCH_RECFILE") == file.name  # what NethVoice's CDR reads
        assert recording(sb, "202", convid) == recording(sb, "201", convid) == "true"
        assert await sb.post("start_record", body, user="bob") == {"convid": convid, "recording": "true"}

        assert (await sb.post("mute_record", body, user="bob"))["recording"] == "mute"
        assert recording(sb, "201", convid) == "mute"
        assert (await sb.post("unmute_record", body, user="bob"))["recording"] == "true"
        assert recording(sb, "201", convid) == "true"

        assert await sb.post("stop_record", body, user="bob") == {"convid": convid, "recording": "false"}
        assert recording(sb, "202", convid) == recording(sb, "201", convid) == "false"
        nothing_left = await sb.ami.send_action({"Action": "StopMixMonitor", "Channel": source}, raw=True)
        assert nothing_left["Response"] == "Error"  # no MixMonitor runs on the channel any more
        for operation in ("stop_record", "mute_record", "unmute_record"):
            assert await sb.refused(operation, body, 409, "not-recording", user="bob") == {"convid": convid}

        # ad_recording: anyone's conversation
        answer = await sb.post("start_record", {"convid": convid, "endpointId": "201"}, user="carol")
        assert answer["recording"] == "true" and Path(answer["file"]).name.startswith("exten-201-202-")
        await sb.post("stop_record", {"convid": convid, "endpointId": "201"}, user="carol")
        assert recording(sb, "201", convid) == "false"


@pytest.mark.live
async def test_recording_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean, recordings_conf(tmp_path / "recordings")) as sb:
        convid = await sb.call("202", "201")
        details = await sb.refused("start_record", {"convid": convid, "endpointId": "201"}, 403,
                                   "operation-forbidden", user="alice")
        assert details == {"permission": "presence_panel.ad_recording or settings.recording"}
        await sb.refused("start_record", {"convid": convid, "endpointId": "201"}, 403, "not-your-extension",
                         user="bob")
        await sb.post("start_record", {"convid": convid, "endpointId": "202"}, user="bob")
        # the original let anyone stop any recording
        await sb.refused("stop_record", {"convid": convid, "endpointId": "202"}, 403, "operation-forbidden",
                         user="alice")
        await sb.refused("stop_record", {"convid": convid, "endpointId": "201"}, 403, "not-your-extension",
                         user="bob")
        assert recording(sb, "202", convid) == "true"

        await sb.refused("start_record", {"convid": "PJSIP/202-99999999>", "endpointId": "202"}, 404,
                         "no-such-conversation", user="bob")
        assert "convid" in await sb.refused("start_record", {"endpointId": "202"}, 400, "invalid-request", user="bob")
        assert "convid" in await sb.refused("start_record", {"convid": "a\nb", "endpointId": "202"}, 400,
                                            "invalid-request", user="bob")


def spying(sb: Switchboard, listener: str) -> list[str]:
    """The channels ``listener``'s phone listens to (ChanSpy)."""
    ext = sb.astproxy.extension(listener)
    return [ch.spying for ch in ext.channels.values() if ch.spying]


@pytest.mark.live
async def test_listen_and_intrude(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, PROFILES) as sb:
        convid = await sb.call("201", "203")  # alice calls carol; bob listens from 202
        alice = convid.split(">")[0]
        body = {"convid": convid, "endpointId": "201", "destId": "202"}

        answer = await sb.post("start_spy", body, user="bob")
        assert answer == {"convid": convid, "spied": alice, "from": "202", "mode": "listen"}
        await wait_until(lambda: spying(sb, "202") == [alice], "202 listens to alice's channel")
        assert sb.talking("202") is not None  # a spying channel counts as connected, as in the original
        assert f"ChanSpy!{alice},qS" in await asyncio.to_thread(pbx.cli, "core show channels concise")
        await sb.ami.send_action({"Action": "Hangup", "Channel": alice})
        await sb.wait_idle("201", "202", "203")  # ChanSpy's S: the listener leaves with the call

        convid = await sb.call("201", "203")
        alice = convid.split(">")[0]
        answer = await sb.post("intrude", {**body, "convid": convid}, user="bob")
        assert answer == {"convid": convid, "spied": alice, "from": "202", "mode": "whisper"}
        await wait_until(lambda: spying(sb, "202") == [alice], "202 talks into alice's channel")
        assert f"ChanSpy!{alice},wqS" in await asyncio.to_thread(pbx.cli, "core show channels concise")
        await sb.ami.send_action({"Action": "Hangup", "Channel": alice})
        await sb.wait_idle("201", "202", "203")

        # a supervisor (qmanager) of queue 401 listens to its agents without presence_panel.spy
        convid = await sb.call("201", "202")
        answer = await sb.post("start_spy", {"convid": convid, "endpointId": "202", "destId": "203"}, user="carol")
        bob = convid.split(">")[1]
        assert answer["spied"] == bob
        await wait_until(lambda: spying(sb, "203") == [bob], "carol listens to bob's channel")


@pytest.mark.live
async def test_listen_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean, PROFILES) as sb:
        convid = await sb.call("201", "203")
        body = {"convid": convid, "endpointId": "201", "destId": "204"}
        # dave supervises queue 402, which 201 is not in; he has no presence_panel.spy / intrude
        details = await sb.refused("start_spy", body, 403, "operation-forbidden", user="dave")
        assert details == {"permission": "presence_panel.spy or qmanager.qmanager_<queue>"}
        await sb.refused("intrude", body, 403, "operation-forbidden", user="dave")
        # bob may listen, but only from his own phone
        details = await sb.refused("start_spy", {**body, "destId": "203"}, 403, "not-your-extension", user="bob")
        assert details == {"destId": "203"}
        await sb.refused("start_spy", {**body, "destId": "202", "convid": "PJSIP/201-00000999>"}, 404,
                         "no-such-conversation", user="bob")
        assert "destId" in await sb.refused("intrude", {"convid": convid, "endpointId": "201"}, 400,
                                            "invalid-request", user="bob")
        assert not sb.channels("202")


async def test_503_while_ami_is_down(tmp_path, transcript):
    """The model still shows the call, but nothing can be sent to Asterisk: 503 at once."""
    recorded = transcript("basic_call")
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["connected"])
        conf = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        (conf / "70-profiles.toml").write_text(PROFILES)
        async with running_app(conf) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            await fake.stop()
            await wait_until(lambda: not app.extensions["ami"].connected, "AMI is down")
            sb = Switchboard(app)
            (convid,) = sb.conversations("202")
            await sb.refused("start_record", {"convid": convid, "endpointId": "202"}, 503, "ami-unavailable",
                             user="bob")
            assert sb.conversations("202")[convid]["recording"] == "false"
