"""POST /astproxy/dnd on the demo PBX: AstDB, the model and the dialplan agree; and the 400/403/404/503 answers."""

import asyncio

import pytest
from nethcti_ami.errors import OriginateFailed
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard
from nethcti_astproxy.testing import demo_conf, fake_ami_answers

from nethcti.testing import running_app


async def reachable(sb: Switchboard, exten: str) -> bool:
    """Whether a call to ``exten`` through the dialplan is answered (a Local channel dials it)."""
    try:
        await sb.ami.originate(f"Local/{exten}@from-internal", exten="hangup", context="app-blackhole", wait=True,
                               ring_timeout=5)
    except OriginateFailed:
        return False
    return True


@pytest.mark.live
async def test_dnd_on_and_off(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        assert await reachable(sb, "202")

        assert await sb.post("dnd", {"endpoint": "202", "status": "on"}, user="bob") == {"exten": "202", "dnd": "on"}
        assert await asyncio.to_thread(pbx.db_get, "DND", "202") == "YES"
        assert sb.astproxy.to_json(sb.astproxy.extension("202"))["dnd"] is True
        assert not await reachable(sb, "202")  # the dialplan refuses the call: nothing rings
        assert not sb.channels("202")

        # the original's parameters may come in the query string too
        answer = await sb.post("dnd", user="bob", query={"endpoint": "202", "status": "off"})
        assert answer == {"exten": "202", "dnd": "off"}
        assert await asyncio.to_thread(pbx.db_get, "DND", "202") is None
        assert sb.astproxy.to_json(sb.astproxy.extension("202"))["dnd"] is False
        assert await sb.post("dnd", {"endpoint": "202", "status": "off"}, user="bob") == {"exten": "202", "dnd": "off"}
        await wait_until(lambda: not sb.channels("202"), "the test call is over")
        assert await reachable(sb, "202")


@pytest.mark.live
async def test_dnd_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        assert "endpoint" in await sb.refused("dnd", {"status": "on"}, 400, "invalid-request", user="bob")
        assert "status" in await sb.refused("dnd", {"endpoint": "202", "status": "maybe"}, 400, "invalid-request",
                                            user="bob")
        assert "endpoint" in await sb.refused("dnd", {"endpoint": "20\r\n2", "status": "on"}, 400, "invalid-request",
                                              user="bob")
        # carol's profile has no settings.dnd; bob's has, but 201 is alice's
        details = await sb.refused("dnd", {"endpoint": "203", "status": "on"}, 403, "operation-forbidden",
                                   user="carol")
        assert details == {"permission": "settings.dnd"}
        await sb.refused("dnd", {"endpoint": "201", "status": "on"}, 403, "not-your-extension", user="bob")
        assert await asyncio.to_thread(demo_pbx_clean.db_get, "DND", "201") is None


async def test_dnd_of_an_extension_the_pbx_does_not_have(tmp_path, transcript):
    """dave owns 205 in this configuration, but the PBX has no such endpoint."""
    recorded = transcript("basic_call")
    extra = '\n[users.accounts.dave]\nextensions = ["204", "205"]\n'
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        (conf / "70-dave.toml").write_text(extra)
        async with running_app(conf) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            sb = Switchboard(app)
            details = await sb.refused("dnd", {"endpoint": "205", "status": "on"}, 404, "no-such-extension",
                                       user="dave")
            assert details == {"endpoint": "205"}
            assert not fake.actions("DBPut")


async def test_503_before_the_model_is_loaded_and_while_ami_is_down(tmp_path, transcript):
    recorded = transcript("basic_call")
    async with FakeAMI() as fake:
        fake.answer("PJSIPShowEndpoints", lambda fields: None)  # the load never completes
        async with running_app(demo_conf(tmp_path, fake.port, "nethcti", "secret")) as app:
            await wait_until(lambda: app.extensions["ami"].connected, "AMI is up")
            sb = Switchboard(app)
            await sb.refused("dnd", {"endpoint": "202", "status": "on"}, 503, "pbx-model-not-ready", user="bob")

            fake_ami_answers(fake, recorded.raw["boot"])
            fake.drop_clients()
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded after a reconnection")
            await fake.stop()
            await wait_until(lambda: not app.extensions["ami"].connected, "AMI is down")
            await sb.refused("dnd", {"endpoint": "202", "status": "on"}, 503, "ami-unavailable", user="bob")
            assert app.extensions["astproxy"].extension("202").dnd is False
