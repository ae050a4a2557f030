"""The history API on a CDR table of known calls, on SQLite and on MariaDB: rows, permissions, privacy, paging,
refusals, recordings."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from nethcti_history.testing import SAMPLE_RECORDING as RECORDING

DAY = "/20240305/20240305"


def ids(body: dict) -> list[tuple[str, str]]:
    return [(row["uniqueid"], row["disposition"]) for row in body["rows"]]


async def test_own_history_rows_and_fields(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        body = await api.get(f"/historycall/interval/user/alice{DAY}")
        assert body["count"] == 5
        assert ids(body) == [
            ("1709636400.30", "ANSWERED"),
            ("1709629800.9", "ANSWERED"),
            ("1709629500.3", "ANSWERED"),
            ("1709629500.3", "BUSY"),
            ("1709629200.0", "ANSWERED"),
        ]
        first = body["rows"][-1]
        assert first == {
            "time": int(datetime(2024, 3, 5, 10, 0).timestamp()),
            "channel": "PJSIP/201-00000000",
            "dstchannel": "PJSIP/202-00000001",
            "uniqueid": "1709629200.0",
            "linkedid": "1709629200.0",
            "userfield": "",
            "duration": 12,
            "billsec": 10,
            "disposition": "ANSWERED",
            "dcontext": "from-internal",
            "lastapp": "Dial",
            "recordingfile": RECORDING,
            "cnum": "201",
            "cnam": "Alice Rossi",
            "ccompany": "",
            "src": "201",
            "dst": "202",
            "dst_cnam": "",
            "dst_ccompany": "",
            "clid": '"Alice Rossi" <201>',
            "direction": "out",
            "queue": None,
        }
        by_id = {row["uniqueid"]: row for row in body["rows"]}
        queued = by_id["1709629800.9"]  # through queue 401, answered by 201
        assert (queued["direction"], queued["queue"], queued["billsec"], queued["cnum"]) == ("in", "401", 29, "203")
        assert by_id["1709636400.30"]["direction"] == "in"

        # the extension's history is the same; bob's own (privacy, but his own calls are in clear)
        assert (await api.get(f"/historycall/interval/extension/201{DAY}"))["count"] == 5
        assert (await api.get(f"/historycall/interval/extension/91201{DAY}"))["count"] == 0
        bob = await api.get(f"/historycall/interval/user/bob{DAY}", user="bob")
        assert bob["count"] == 4
        assert {r["uniqueid"]: r["direction"] for r in bob["rows"]} == {
            "1709629200.0": "in",
            "1709629800.11": "in",
            "1709632800.16": "in",
            "1709634600.20": "out",
        }
        mario = next(r for r in bob["rows"] if r["uniqueid"] == "1709632800.16")
        assert (mario["cnum"], mario["cnam"], mario["ccompany"]) == ("0612345678", "Mario Bianchi", "Bianchi Srl")
        assert "recordingfile" in mario  # settings.recording


async def test_directions(history_app, cdr_url):
    async with history_app(cdr_url) as api:

        async def directions(user, **query):
            body = await api.get(f"/historycall/interval/user/{user}{DAY}", user="alice", **query)
            return sorted(r["uniqueid"] for r in body["rows"])

        # the busy call is not listed as busy: its calling channel was answered (the original's rule)
        assert await directions("alice", direction="out") == ["1709629200.0", "1709629500.3"]
        assert await directions("alice", direction="in") == ["1709629800.9", "1709636400.30"]
        assert await directions("carol", direction="lost") == ["1709638200.40"]  # the busy call was answered first
        assert await directions("carol", direction="in") == ["1709629500.3", "1709629500.3", "1709638200.40"]
        assert await directions("carol", direction="in", removeLostCalls="true") == ["1709629500.3"]
        assert len(await directions("carol", direction="in", removeLostCalls="undefined")) == 3  # the web client's
        assert await directions("bob", direction="lost") == []  # 202 did not answer the queue, 201 did


async def test_permissions_and_privacy(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        refused = await api.get(f"/historycall/interval/user/alice{DAY}", user="bob", status=403)
        assert (refused["error_id"], refused["details"]) == ("history-forbidden", {"permission": "cdr.ad_cdr"})
        await api.get(f"/historycall/interval/extension/201{DAY}", user="bob", status=403)
        assert (await api.get(f"/historycall/interval/extension/202{DAY}", user="bob"))["count"] == 4
        refused = await api.get(f"/historycall/interval/user/dave{DAY}", user="dave", status=403)
        assert refused["details"] == {"permission": "cdr"}
        assert (await api.get(f"/histcallswitch/interval{DAY}", user="bob", status=403))[
            "error_id"
        ] == "history-forbidden"
        await api.get(f"/histcallsgroups/interval{DAY}", user="carol", status=403)

        # carol (ad_cdr, privacy) sees alice's history masked but for her own extension, and no recordings
        body = await api.get(f"/historycall/interval/user/alice{DAY}", user="carol")
        by_id = {(r["uniqueid"], r["disposition"]): r for r in body["rows"]}
        to_bob = by_id[("1709629200.0", "ANSWERED")]
        assert (to_bob["cnum"], to_bob["src"], to_bob["dst"]) == ("xxx", "xxx", "xxx")
        assert (to_bob["cnam"], to_bob["clid"]) == ("xxx", "xxx")
        assert "recordingfile" not in to_bob
        to_carol = by_id[("1709629500.3", "BUSY")]
        assert (to_carol["dst"], to_carol["cnum"]) == ("203", "xxx")
        shop = by_id[("1709636400.30", "ANSWERED")]
        assert (shop["cnum"], shop["cnam"]) == ("0755555xxx", "xxx")

        switch = await api.get(f"/histcallswitch/interval{DAY}", user="carol")
        mario = next(r for r in switch["rows"] if r["uniqueid"] == "1709632800.16")
        assert (mario["cnum"], mario["cnam"], mario["ccompany"], mario["dst"]) == ("0612345xxx", "xxx", "xxx", "xxx")
        assert "recordingfile" not in mario
        mario = next(
            r for r in (await api.get(f"/histcallswitch/interval{DAY}"))["rows"] if r["uniqueid"] == "1709632800.16"
        )
        assert (mario["cnum"], mario["cnam"], mario["recordingfile"]) == ("0612345678", "Mario Bianchi", "")


async def test_switchboard_and_groups(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        body = await api.get(f"/histcallswitch/interval{DAY}")
        assert body["count"] == 10  # the queue call's own unanswered group is left out, as the original
        types = {r["uniqueid"]: r["type"] for r in body["rows"]}
        assert (types["1709632800.16"], types["1709634600.20"], types["1709629200.0"]) == ("in", "out", "internal")
        assert all(r["source"] == "cti" and "direction" not in r for r in body["rows"])

        async def of_type(kind, path="/histcallswitch/interval", user="alice"):
            rows = (await api.get(f"{path}{DAY}", user=user, type=kind))["rows"]
            return sorted({r["uniqueid"] for r in rows})

        assert await of_type("in") == ["1709632800.16", "1709636400.30", "1709638200.40"]
        assert await of_type("out") == ["1709634600.20"]
        assert await of_type("lost") == ["1709638200.40"]
        assert await of_type("internal") == ["1709629200.0", "1709629500.3"]  # queues are not extensions

        # bob's operator group Support is alice and bob: 201, 91201, 202 (not carol's lost call, not 203 alone)
        groups = await api.get(f"/histcallsgroups/interval{DAY}", user="bob")
        assert sorted({r["uniqueid"] for r in groups["rows"]}) == [
            "1709629200.0",
            "1709629500.3",
            "1709629800.11",
            "1709629800.9",
            "1709632800.16",
            "1709634600.20",
            "1709636400.30",
        ]
        assert all("recordingfile" not in r for r in groups["rows"])  # ad_recording only
        assert (groups["rows"][0]["cnum"], groups["rows"][0]["cnam"]) == ("0755555xxx", "xxx")  # privacy
        assert await of_type("out", "/histcallsgroups/interval", "bob") == ["1709634600.20"]


async def test_paging_sorting_filtering(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        everything = await api.get(f"/histcallswitch/interval{DAY}", sort="time asc")
        pages = []
        for offset in range(0, 12, 3):
            page = await api.get(f"/histcallswitch/interval{DAY}", sort="time asc", offset=offset, limit=3)
            assert page["count"] == 10
            pages += page["rows"]
        assert pages == everything["rows"]
        times = [r["time"] for r in everything["rows"]]
        assert times == sorted(times)
        durations = [
            r["duration"]
            for r in (await api.get(f"/histcallswitch/interval{DAY}", sort="duration desc, time asc"))["rows"]
        ]
        assert durations == sorted(durations, reverse=True)
        assert (await api.get(f"/histcallswitch/interval{DAY}", offset=10))["rows"] == []

        # the filter is literal text: % and _ are data
        assert ids(await api.get(f"/histcallswitch/interval{DAY}/100%_")) == [("1709636400.30", "ANSWERED")]
        assert (await api.get(f"/histcallswitch/interval{DAY}/%"))["count"] == 1
        assert (await api.get(f"/histcallswitch/interval{DAY}/_"))["count"] == 1
        assert (await api.get(f"/histcallswitch/interval{DAY}/Mario"))["count"] == 1
        assert (await api.get(f"/historycall/interval/user/alice{DAY}/Carol"))["count"] == 1
        assert (await api.get(f"/histcallswitch/interval{DAY}/' OR 1=1 --"))["count"] == 0

        # whole days, both ends included
        day_before = await api.get("/historycall/interval/user/bob/20240304/20240304")
        assert ids(day_before) == [("1709593199.50", "NO ANSWER")]
        assert (await api.get("/historycall/interval/user/bob/20240304/20240306"))["count"] == 6
        assert (await api.get("/historycall/interval/user/bob/20240306/20240304"))["count"] == 0


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/historycall/interval/phone/alice/20240305/20240305", {}, "type"),
        ("/historycall/interval/user/alice/2024035/20240305", {}, "from"),
        ("/historycall/interval/user/alice/20240305/20240230", {}, "to"),
        ("/histcallswitch/interval/20240305/20240305", {"sort": "time; DROP TABLE cdr"}, "sort"),
        ("/histcallswitch/interval/20240305/20240305", {"sort": "calldate desc"}, "sort"),
        ("/histcallswitch/interval/20240305/20240305", {"sort": "time sideways"}, "sort"),
        ("/histcallswitch/interval/20240305/20240305", {"limit": "51"}, "limit"),
        ("/histcallswitch/interval/20240305/20240305", {"limit": "0"}, "limit"),
        ("/histcallswitch/interval/20240305/20240305", {"offset": "-1"}, "offset"),
        ("/histcallswitch/interval/20240305/20240305", {"offset": "x"}, "offset"),
        ("/histcallswitch/interval/20240305/20240305", {"type": "sideways"}, "type"),
        ("/historycall/interval/user/alice/20240305/20240305", {"direction": "up"}, "direction"),
        ("/histcallswitch/interval/20240305/20240305", {"removeLostCalls": "maybe"}, "removeLostCalls"),
        ("/histcallswitch/interval/20240305/20240305/" + "x" * 101, {}, "filter"),
        ("/historycall/listen_callrec/1709629200.0%27x", {}, "id"),
    ],
)
async def test_bad_values_are_named(history_app, tmp_path, path, query, field):
    async with history_app(f"sqlite+aiosqlite:///{tmp_path / 'cdr.db'}") as api:
        body = await api.get(path, status=400, **query)
        assert body["error_id"] == "invalid-request" and field in body["details"], body


async def test_recordings(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        audio = b"RIFF....WAVEfmt " + bytes(range(256)) * 4
        file = api.recordings / "2024" / "03" / "05" / RECORDING
        file.parent.mkdir(parents=True)
        file.write_bytes(audio)
        uid = "1709629200.0"

        assert base64.b64decode(await api.get(f"/historycall/listen_callrec/{uid}")) == audio
        assert base64.b64decode(await api.get(f"/historycall/listen_callrec/{uid}", user="bob")) == audio  # his call
        refused = await api.get(f"/historycall/listen_callrec/{uid}", user="dave", status=403)  # not in the call
        assert refused["error_id"] == "recording-forbidden"
        await api.get(f"/historycall/listen_callrec/{uid}", user="carol", status=403)  # no recording permission
        missing = await api.get("/historycall/listen_callrec/1709632800.16", status=404)
        assert missing["error_id"] == "no-such-recording"

        name = await api.get(f"/historycall/down_callrec/{uid}", user="bob")
        assert name.endswith(".wav") and len(name) == 36
        response = await api.client.get(f"/webrest/static/{name}")  # no token
        assert response.status_code == 200 and await response.get_data() == audio
        assert response.headers["Content-Type"] == "audio/x-wav"
        again = await api.client.get(f"/webrest/static/{name}")
        assert again.status_code == 404 and (await again.get_json())["error_id"] == "no-such-file"

        await api.post("/historycall/delete_callrec", {"id": uid}, user="dave", status=403)
        assert await api.post("/historycall/delete_callrec", {"id": uid}, user="bob") == {}
        assert not file.exists()
        assert (await api.get(f"/historycall/listen_callrec/{uid}", status=404))["error_id"] == "no-such-recording"
        row = (await api.get(f"/historycall/interval/user/alice{DAY}"))["rows"][-1]
        assert (row["uniqueid"], row["recordingfile"]) == (uid, "")
        bad = await api.post("/historycall/delete_callrec", {"id": ["x"]}, status=400)
        assert "id" in bad["details"]


async def test_recording_file_gone(history_app, cdr_url):
    async with history_app(cdr_url) as api:
        body = await api.get("/historycall/listen_callrec/1709629200.0", status=404)
        assert body["error_id"] == "recording-file-missing"
        await api.get("/historycall/down_callrec/1709629200.0", status=404)
