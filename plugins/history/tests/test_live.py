"""History on the demo PBX: calls placed through Asterisk, CDRs written by Asterisk (cdr_sqlite3_custom), read
back through the API with each user's permissions; a recording from start_record listened to, downloaded once
from /static and deleted."""

from __future__ import annotations

import asyncio
import base64
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, eventually
from nethcti_astproxy.testing import demo_conf

from nethcti.testing import running_app, write_conf

HISTORY_TOML = """
[users.profiles.full]
permissions = ["cdr.ad_cdr", "settings.recording", "presence_panel.ad_recording"]

[users.profiles.agent]
permissions = ["settings.privacy", "cdr", "cdr.group_cdr", "settings.recording"]

[users.profiles.basic]
permissions = ["settings.privacy", "cdr.ad_cdr"]

[astproxy]
recordings_dir = "{recordings}"

[astproxy.operator_groups]
Support = ["alice", "bob"]

[static]
enabled = true

[history]
enabled = true
cdr_url = "sqlite+aiosqlite:///{cdr}"
"""


@asynccontextmanager
async def switchboard(tmp_path: Path, pbx):
    info = pbx.ami_info()
    conf_dir = demo_conf(tmp_path, info["port"], info["username"], info["secret"])
    write_conf(conf_dir, "70-history.toml", HISTORY_TOML.format(recordings=tmp_path / "monitor", cdr=pbx.cdr_db))
    async with running_app(conf_dir) as app:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
        yield Switchboard(app)


async def history(sb: Switchboard, path: str, user: str = "alice", status: int = 200, **query):
    today = f"{date.today():%Y%m%d}"
    headers = await sb_headers(sb, user)
    response = await sb.client.get(
        f"/webrest{path}".format(day=f"{today}/{today}"), headers=headers, query_string=query
    )
    body = await response.get_json()
    assert response.status_code == status, (path, user, body)
    return body


async def sb_headers(sb: Switchboard, user: str) -> dict:
    from nethcti_astproxy.testing import PASSWORDS
    from nethcti_auth.testing import log_in

    if user not in sb._headers:
        sb._headers[user] = await log_in(sb.client, user, PASSWORDS[user])
    return sb._headers[user]


@pytest.mark.live
async def test_calls_appear_in_history(tmp_path, fresh_pbx):
    pbx = fresh_pbx
    async with switchboard(tmp_path, pbx) as sb:
        # 201 calls 202 and records it
        convid = await sb.call("201", "202")
        started = await sb.post("start_record", {"convid": convid, "endpointId": "201"}, user="alice")
        recording = Path(started["file"])
        await wait_until(recording.exists, "MixMonitor writes the file")
        await asyncio.sleep(1.2)  # a second of billable time
        await asyncio.to_thread(pbx.hangup_all)
        await sb.wait_idle("201", "202")
        # 201 calls 203, who is busy
        await asyncio.to_thread(pbx.set_phone, "203", "busy")
        # wait=True: 201 has answered (its channel exists) before we wait for the busy call to end
        await sb.ami.originate("PJSIP/201", exten="203", context="from-internal", caller_id="201", wait=True)
        # 203 calls queue 401: 201 and 202 ring, one answers
        await eventually(lambda: _no_channels(sb, "201"), "the busy call is over")
        await asyncio.to_thread(pbx.set_phone, "203", "answer")
        await asyncio.to_thread(pbx.set_phone, "202", "ring")  # 201 answers, so the call is in alice's history
        await sb.ami.originate("PJSIP/203", exten="401", context="from-internal", caller_id="203")
        await wait_until(lambda: sb.talking("203") is not None, "the queue call is answered")
        await asyncio.to_thread(pbx.hangup_all)
        await asyncio.to_thread(pbx.set_phone, "202", "answer")
        await sb.wait_idle("201", "202", "203")

        seen: list[dict] = []

        async def three_calls():
            seen[:] = (await history(sb, "/historycall/interval/user/alice/{day}"))["rows"]
            return len({r["linkedid"] for r in seen}) >= 3

        try:
            await eventually(three_calls, "Asterisk wrote the three calls' CDRs")
        except AssertionError as exc:  # say what was there
            raise AssertionError(f"{exc}: {[(r['cnum'], r['dst'], r['disposition']) for r in seen]}") from None
        rows = (await history(sb, "/historycall/interval/user/alice/{day}", sort="time asc"))["rows"]
        recorded = next(r for r in rows if r["dst"] == "202" and r["cnum"] == "201")
        assert (recorded["direction"], recorded["disposition"]) == ("out", "ANSWERED")
        assert recorded["billsec"] >= 1 and recorded["recordingfile"] == recording.name
        busy = [r for r in rows if r["dst"] == "203"]
        assert {r["disposition"] for r in busy} >= {"BUSY"} and all(r["direction"] == "out" for r in busy)
        queued = [r for r in rows if r["queue"] == "401"]
        assert queued and queued[0]["direction"] == "in" and queued[0]["cnum"] == "203"

        # bob: his own history (the call from 201, the queue leg that rang him), not alice's, not the switchboard
        bob = (await history(sb, "/historycall/interval/user/bob/{day}", user="bob"))["rows"]
        from_alice = next(r for r in bob if r["uniqueid"] == recorded["uniqueid"])
        assert (from_alice["direction"], from_alice["cnum"], from_alice["recordingfile"]) == (
            "in",
            "201",
            recording.name,
        )
        await history(sb, "/historycall/interval/user/alice/{day}", user="bob", status=403)
        await history(sb, "/histcallswitch/interval/{day}", user="bob", status=403)
        groups = (await history(sb, "/histcallsgroups/interval/{day}", user="bob"))["rows"]
        assert recorded["uniqueid"] in {r["uniqueid"] for r in groups}
        await history(sb, "/histcallsgroups/interval/{day}", user="alice", status=403)  # no group_cdr

        # carol: the switchboard's list (ad_cdr) with privacy: others' numbers masked, her own in clear
        switch = (await history(sb, "/histcallswitch/interval/{day}", user="carol"))["rows"]
        masked = next(r for r in switch if r["uniqueid"] == recorded["uniqueid"])
        assert (masked["cnum"], masked["dst"], masked["cnam"]) == ("xxx", "xxx", "xxx")
        assert "recordingfile" not in masked
        assert any(r["cnum"] == "203" for r in switch)  # her own extension

        # the recording: listened to, downloaded once without a token, deleted
        audio = recording.read_bytes()
        assert audio[:4] == b"RIFF"
        listened = await history(sb, f"/historycall/listen_callrec/{recorded['uniqueid']}", user="bob")
        assert base64.b64decode(listened) == audio
        name = await history(sb, f"/historycall/down_callrec/{recorded['uniqueid']}")
        download = await sb.client.get(f"/webrest/static/{name}")
        assert download.status_code == 200 and await download.get_data() == audio
        assert (await sb.client.get(f"/webrest/static/{name}")).status_code == 404
        await history(sb, f"/historycall/listen_callrec/{recorded['uniqueid']}", user="carol", status=403)

        response = await sb.client.post(
            "/webrest/historycall/delete_callrec",
            json={"id": recorded["uniqueid"]},
            headers=await sb_headers(sb, "alice"),
        )
        assert response.status_code == 200
        assert not recording.exists()
        rows = (await history(sb, "/historycall/interval/user/alice/{day}"))["rows"]
        assert next(r for r in rows if r["uniqueid"] == recorded["uniqueid"])["recordingfile"] == ""


async def _no_channels(sb: Switchboard, exten: str) -> bool:
    return not sb.channels(exten)
