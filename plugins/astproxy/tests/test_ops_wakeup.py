"""Wake-up calls on the demo PBX: call files in its outgoing spool, rung by Asterisk at their time."""

import asyncio
import os
import time
from datetime import datetime, timedelta

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard
from nethcti_astproxy.testing import PASSWORDS
from nethcti_auth.testing import log_in


def spool(pbx) -> str:
    return (f'\n[astproxy]\noutgoing_dir = "{pbx.spool_dir / "outgoing"}"\n'
            f'outgoing_tmp_dir = "{pbx.spool_dir / "tmp"}"\n')


async def request(sb: Switchboard, method: str, user: str, status: int = 200, body: dict | None = None):
    headers = await log_in(sb.client, user, PASSWORDS[user])
    response = await sb.client.open("/webrest/astproxy/wakeup", method=method, headers=headers, json=body)
    answer = await response.get_json()
    assert response.status_code == status, (method, body, user, response.status_code, answer)
    return answer


def at(moment: datetime) -> dict:
    return {"date": f"{moment:%Y%m%d}", "time": f"{moment:%H:%M:%S}"}


@pytest.mark.live
async def test_a_wakeup_call_rings_the_extension_at_its_time(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, spool(pbx)) as sb:
        when = datetime.now().replace(microsecond=0) + timedelta(seconds=4)
        answer = await sb.post("wakeup", {"extension": "202", **at(when)}, user="bob")
        name = f"202-{int(when.timestamp())}.call"
        assert answer == {"filename": name, "extension": "202", "time": int(when.timestamp())}
        path = pbx.spool_dir / "outgoing" / name
        assert os.stat(path).st_mtime == int(when.timestamp())
        assert "Channel: Local/202@from-internal\n" in path.read_text()
        assert not list((pbx.spool_dir / "tmp").glob(".wakeup-*"))
        assert await request(sb, "GET", "bob") == [name]
        assert await request(sb, "GET", "carol") == []  # not carol's extension

        assert not sb.channels("202")
        await wait_until(lambda: bool(sb.channels("202")), "the wake-up call rings 202", timeout=15)
        assert time.time() >= when.timestamp() - 1  # not before its time
        await asyncio.to_thread(pbx.hangup_all)
        await wait_until(lambda: not path.exists(), "Asterisk removed the call file")


@pytest.mark.live
async def test_list_delete_and_refusals(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx, spool(pbx)) as sb:
        later = datetime.now() + timedelta(hours=1)
        body = {"extension": "203", "date": f"{later:%Y%m%d}", "time": f"{later:%H:%M}", "maxRetries": "2"}
        name = (await sb.post("wakeup", body, user="carol"))["filename"]
        assert "MaxRetries: 2\n" in (pbx.spool_dir / "outgoing" / name).read_text()
        assert await request(sb, "GET", "carol") == [name]
        assert await request(sb, "GET", "alice") == [name]  # presence_panel.ad_phone: every extension's
        answer = await request(sb, "DELETE", "bob", 403, {"filename": name})
        assert answer["error_id"] == "not-your-extension"
        assert await request(sb, "DELETE", "carol", body={"filename": name}) == {"deleted": name}
        assert await request(sb, "GET", "carol") == []
        answer = await request(sb, "DELETE", "carol", 404, {"filename": name})
        assert answer["error_id"] == "no-such-wakeup"
        for filename in ["../etc/203-1.call", "203-1.call\n", "x", "203-1.call/"]:
            answer = await request(sb, "DELETE", "carol", 400, {"filename": filename})
            assert "filename" in answer["details"]

        past = datetime.now() - timedelta(hours=1)
        for bad, field in [({"date": "2026-01-01"}, "date"), ({"time": "7:00"}, "time"), ({"time": "25:00"}, "time"),
                           ({"date": f"{past:%Y%m%d}", "time": f"{past:%H:%M}"}, "time"),
                           ({"extension": "203\r\nChannel: x"}, "extension"), ({"maxRetries": -1}, "maxRetries"),
                           ({"extension": None}, "extension")]:
            assert field in await sb.refused("wakeup", {**body, **bad}, 400, "invalid-request", user="carol")
        await sb.refused("wakeup", {**body, "extension": "202"}, 403, "not-your-extension", user="carol")
        await sb.refused("wakeup", {**body, "extension": "299"}, 404, "no-such-extension", user="alice")
        assert not [p for p in (pbx.spool_dir / "outgoing").iterdir()]


@pytest.mark.live
async def test_a_spool_that_cannot_be_used_is_a_503(tmp_path, demo_pbx_clean):
    extra = f'\n[astproxy]\noutgoing_dir = "{tmp_path / "missing"}"\noutgoing_tmp_dir = "{tmp_path}"\n'
    async with switchboard(tmp_path, demo_pbx_clean, extra) as sb:
        later = datetime.now() + timedelta(hours=1)
        details = await sb.refused("wakeup", {"extension": "203", **at(later)}, 503, "wakeup-spool-unavailable",
                                   user="carol")
        assert details == {"errno": "ENOENT"}
        assert (await request(sb, "GET", "carol", 503))["error_id"] == "wakeup-spool-unavailable"
        assert not list(tmp_path.glob(".wakeup-*"))  # the temp file is gone
