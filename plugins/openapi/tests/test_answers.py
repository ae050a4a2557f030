"""The document against the live server on the demo PBX, every plugin enabled: it lists every route of the URL map
under the base path and /api, and the answers the clients read most (extensions in a call, queues, /user/me,
phonebook, history) validate against the schemas it declares, so the document cannot drift from the code."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft202012Validator
from nethcti_openapi.builder import openapi_path
from nethcti_openapi.testing import EVERYTHING, everything_served

from nethcti.testing import WAIT, wait_until

pytestmark = pytest.mark.live

WEBSOCKET_DOC = Path(__file__).parents[3] / "docs" / "websocket.md"


def events_of_the_websocket_doc() -> set[str]:
    """The first column of the table under "## Events" in docs/websocket.md (`authe_ok` / `401`: both)."""
    section = WEBSOCKET_DOC.read_text(encoding="utf-8").partition("\n## Events\n")[2].partition("\n#")[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in rows for name in re.findall(r"`([^`]+)`", cell)}


def documented_schema(document: dict, path: str, method: str, status: int) -> dict:
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    assert schema, f"{method.upper()} {path} declares no schema for {status}"
    return {**schema, "components": document["components"]}  # the refs (#/components/…) resolve in here


def check(document: dict, path: str, body, method: str = "get", status: int = 200) -> None:
    validator = Draft202012Validator(documented_schema(document, path, method, status))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method.upper()} {path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


async def test_every_route_of_every_plugin_is_documented_under_each_mount(tmp_path, demo_pbx):
    async with everything_served(tmp_path, demo_pbx) as (app, url, _headers):
        async with httpx.AsyncClient(base_url=url) as http:
            document = (await http.get("/webrest/openapi.json")).json()
        documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
        expected = set()
        for rule in app.url_map.iter_rules():
            doc = getattr(app.view_functions[rule.endpoint], "nethcti_doc", None)
            mounts = [doc.only_under] if doc is not None and doc.only_under else ["/webrest", "/api"]
            expected |= {(method, mount + openapi_path(rule.rule)[0])
                         for method in rule.methods - {"HEAD", "OPTIONS"} for mount in mounts}
    assert documented == expected
    assert len(expected) > 300  # all the plugins' routes, twice
    assert "/api/login" in document["paths"] and "/webrest/login" not in document["paths"]
    assert set(document["x-socketio"]["paths"]) == {"/socket.io", "/api/ws"}
    assert {"login", "message"} <= set(document["x-socketio"]["clientEvents"])


async def test_the_server_events_are_those_of_docs_websocket_md(tmp_path, demo_pbx):
    """Every plugin enabled: the events the plugins declare are exactly the table's, so neither can drift."""
    documented = events_of_the_websocket_doc()
    assert {"extenUpdate", "queueUpdate", "userPresenceUpdate", "authe_ok", "401", "qmAlarm"} <= documented
    async with everything_served(tmp_path, demo_pbx) as (_app, url, _headers), httpx.AsyncClient(base_url=url) as http:
        document = (await http.get("/webrest/openapi.json")).json()
    events = document["x-socketio"]["serverEvents"]
    assert set(events) == documented
    assert all(event["audience"] for event in events.values())
    for name, component in (("extenUpdate", "ExtensionSchema"), ("queueUpdate", "QueueSchema"),
                            ("parkingUpdate", "ParkingSchema"), ("trunkUpdate", "TrunkSchema")):
        assert events[name]["payload"] == {"$ref": f"#/components/schemas/astproxy.answers.{component}"}, name
    for event in events.values():  # every reference resolves
        for ref in re.findall(r"#/components/schemas/([\w.]+)", str(event.get("payload", ""))):
            assert ref in document["components"]["schemas"], ref


async def test_the_answers_the_clients_read_match_their_schemas(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with everything_served(tmp_path, pbx) as (app, url, headers):
        alice = headers[EVERYTHING]
        async with httpx.AsyncClient(base_url=url, headers=alice, timeout=20) as http:
            document = (await http.get("/webrest/openapi.json")).json()
            created = await http.post("/webrest/phonebook/create", json={
                "name": "Mario Bianchi", "company": "Nethesis", "workphone": "0721405516", "type": "public"})
            check(document, "/webrest/phonebook/create", created.json(), "post", 201)

            # 201 calls 202: the extensions carry a conversation with both channels
            astproxy = app.extensions["astproxy"]
            await app.extensions["ami"].originate("PJSIP/201", exten="202", context="from-internal", caller_id="201")
            await wait_until(lambda: astproxy.extensions_json(app.extensions["users"].get(EVERYTHING))["202"]
                             ["conversations"], "201 and 202 talk")
            extensions = (await http.get("/webrest/astproxy/extensions")).json()
            assert any(ext["conversations"] for ext in extensions.values())
            check(document, "/webrest/astproxy/extensions", extensions)
            check(document, "/webrest/astproxy/extension/{exten}",
                  (await http.get("/webrest/astproxy/extension/201")).json())
            for path in ("queues", "qmanager_queues", "trunks", "parkings", "prefix", "opgroups"):
                response = await http.get(f"/webrest/astproxy/{path}")
                assert response.status_code == 200, (path, response.text)
                check(document, f"/webrest/astproxy/{path}", response.json())
            check(document, "/webrest/astproxy/dnd/{endpoint}", (await http.get("/webrest/astproxy/dnd/201")).json())
            check(document, "/webrest/astproxy/conference/{endpoint}",
                  (await http.get("/webrest/astproxy/conference/201")).json())

            me = (await http.get("/webrest/user/me")).json()
            assert me["username"] == EVERYTHING and me["endpoints"]["extension"]
            check(document, "/webrest/user/me", me)
            check(document, "/api/user/me", (await http.get("/api/user/me")).json())
            check(document, "/webrest/user/endpoints/all", (await http.get("/webrest/user/endpoints/all")).json())
            check(document, "/webrest/user/all", (await http.get("/webrest/user/all")).json())
            check(document, "/webrest/user/presence", (await http.get("/webrest/user/presence")).json())
            check(document, "/webrest/user/presencelist", (await http.get("/webrest/user/presencelist")).json())

            search = (await http.get("/webrest/phonebook/search/mario")).json()
            assert search["count"] >= 1
            check(document, "/webrest/phonebook/search/{term}", search)
            check(document, "/webrest/phonebook/getall/", (await http.get("/webrest/phonebook/getall/")).json())
            contact_id = created.json()["id"]
            check(document, "/webrest/phonebook/cticontact/{contact_id}",
                  (await http.get(f"/webrest/phonebook/cticontact/{contact_id}")).json())
            check(document, "/webrest/phonebook/speeddials", (await http.get("/webrest/phonebook/speeddials")).json())

            # the call ends: Asterisk writes its CDR, and the history lists it
            await http.post("/webrest/astproxy/hangup_mainexten", json={"exten": "201"})
            today = f"{date.today():%Y%m%d}"
            history = f"/webrest/historycall/interval/user/{EVERYTHING}/{today}/{today}"

            async with asyncio.timeout(WAIT):
                while not (await http.get(history)).json()["count"]:
                    await asyncio.sleep(0.1)
            rows = (await http.get(history)).json()
            assert rows["count"] > 0 and rows["rows"][0]["uniqueid"]
            check(document, "/webrest/historycall/interval/{kind}/{target}/{first}/{last}", rows)
            check(document, "/webrest/histcallswitch/interval/{first}/{last}",
                  (await http.get(f"/webrest/histcallswitch/interval/{today}/{today}")).json())

            login = await http.post("/api/login", json={"username": "carol", "password": "carol-pw"}, headers={})
            check(document, "/api/login", login.json(), "post")
            nonce = await http.post("/webrest/authentication/login", json={"username": "carol", "password": "carol-pw"})
            assert nonce.status_code == 401 and nonce.headers["WWW-Authenticate"].startswith("Digest ")
            assert "text/html" in document["paths"]["/webrest/authentication/login"]["post"]["responses"]["401"][
                "content"]
            messages = await http.get("/webrest/voicemail/list/all")
            check(document, "/webrest/voicemail/list/{kind}", messages.json())

            for path, template in (("cw/201", "cw/{endpoint}"), ("cfcall/unconditional/201",
                                   "cfcall/{cf_type}/{endpoint}"), ("cfvm/busy/201", "cfvm/{cf_type}/{endpoint}"),
                                   ("feature_codes", "feature_codes")):
                response = await http.get(f"/webrest/astproxy/{path}")
                assert response.status_code == 200, (path, response.text)
                check(document, f"/webrest/astproxy/{template}", response.json())
            check(document, "/webrest/profiling/tot_users", (await http.get("/webrest/profiling/tot_users")).json())
            check(document, "/webrest/streaming/sources", (await http.get("/webrest/streaming/sources")).json())
            room = await http.post("/webrest/videoconf/newroom")
            assert room.json()["url"].startswith("https://meet.example.invalid/")
            check(document, "/webrest/videoconf/newroom", room.json(), "post")
            counters = await http.get("/webrest/voicemail/new_counters")
            check(document, "/webrest/voicemail/new_counters", counters.json())

            status = await http.get("/webrest/status")
            check(document, "/webrest/status", status.json())
