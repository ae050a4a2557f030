"""The app as clients see it: one error shape, CORS as the original, base path, /status, socket.io mount."""

from datetime import UTC, datetime

from loguru import logger
from marshmallow import Schema, fields, validate
from quart import Blueprint

from nethcti import hookimpl
from nethcti.errors import Forbidden
from nethcti.testing import base_conf, running_app
from nethcti.web import load_params


class CallSchema(Schema):
    number = fields.String(required=True, validate=validate.Regexp(r"^[0-9*#]+$"))


class Probe:
    """A throwaway plugin with one route per kind of failure."""

    @hookimpl
    def register_routes(self):
        bp = Blueprint("probe", __name__)

        @bp.post("/probe/call")
        async def call():
            params = await load_params(CallSchema())
            return {"number": params["number"]}

        @bp.get("/probe/forbidden")
        async def forbidden():
            raise Forbidden("not your extension", details={"endpointId": "202"})

        @bp.get("/probe/mixed")
        async def mixed():
            return {"zeta": "Città", "alpha": {2: "two", "b": [1.5, None, True]},
                    "when": datetime(2026, 11, 27, 6, 0, tzinfo=UTC)}

        @bp.get("/probe/crash")
        async def crash():
            raise RuntimeError("secret internals: password=hunter2")

        return bp


async def probe_app(tmp_path, extra=""):
    return running_app(base_conf(tmp_path, extra), [("probe", Probe())])


async def test_validation_error_is_400_naming_the_field(tmp_path):
    async with await probe_app(tmp_path) as app:
        response = await app.test_client().post("/probe/call", json={"number": "12\r\nAction: Hangup"})
        body = await response.get_json()
    assert response.status_code == 400
    assert body["error_id"] == "invalid-request"
    assert "number" in body["details"] and "number" in body["message"]


async def test_missing_field_and_query_string_parameters(tmp_path):
    async with await probe_app(tmp_path) as app:
        client = app.test_client()
        missing = await client.post("/probe/call", json={})
        from_query = await client.post("/probe/call?number=201")
    assert missing.status_code == 400
    assert (await missing.get_json())["details"] == {"number": ["Missing data for required field."]}
    assert await from_query.get_json() == {"number": "201"}


async def test_malformed_json_is_a_400_not_a_500(tmp_path):
    async with await probe_app(tmp_path) as app:
        for body in ["{not json", "[1, 2]", '"a string"', b'{"number": "\xff"}', '{"number": NaN}']:
            response = await app.test_client().post(
                "/probe/call", data=body, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 400
            assert (await response.get_json())["error_id"] == "invalid-json"


async def test_json_bodies_are_compact_sorted_utf8_with_http_dates(tmp_path):
    async with await probe_app(tmp_path) as app:
        response = await app.test_client().get("/probe/mixed")
        body = await response.get_data()
    assert response.mimetype == "application/json"
    assert body.decode() == ('{"alpha":{"2":"two","b":[1.5,null,true]},"when":"Fri, 27 Nov 2026 06:00:00 GMT",'
                             '"zeta":"Città"}\n')


async def test_api_error_keeps_its_id_and_details(tmp_path):
    async with await probe_app(tmp_path) as app:
        response = await app.test_client().get("/probe/forbidden")
    assert response.status_code == 403
    assert await response.get_json() == {
        "error_id": "forbidden", "message": "not your extension", "details": {"endpointId": "202"},
    }


async def test_crash_is_a_generic_500_and_the_traceback_is_logged(tmp_path):
    lines = []
    sink = logger.add(lines.append, level="ERROR", format="{message}\n{exception}")
    try:
        async with await probe_app(tmp_path) as app:
            response = await app.test_client().get("/probe/crash")
            body = await response.get_json()
    finally:
        logger.remove(sink)
    assert response.status_code == 500
    assert body == {"error_id": "internal-error", "message": "Internal server error", "details": {}}
    assert "hunter2" not in str(body)
    assert any("GET /probe/crash" in line and "RuntimeError" in line for line in lines)


async def test_unknown_route_and_wrong_method(tmp_path):
    async with await probe_app(tmp_path) as app:
        client = app.test_client()
        missing = await client.get("/astproxy/nothing")
        wrong = await client.get("/probe/call")
    assert missing.status_code == 404
    assert (await missing.get_json())["error_id"] == "not-found"
    assert wrong.status_code == 405
    assert (await wrong.get_json())["error_id"] == "method-not-allowed"
    assert "POST" in wrong.headers["Allow"]


async def test_no_implicit_static_route(tmp_path):
    """Quart's own /static would answer a long name with 500 (File name too long); /static is a plugin's."""
    async with await probe_app(tmp_path) as app:
        client = app.test_client()
        for path in ("/static/" + "a" * 5000, "/static/../pyproject.toml", "/webrest/static/x.wav"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert (await response.get_json())["error_id"] == "not-found"


async def test_routes_answer_under_the_base_path_too(tmp_path):
    async with await probe_app(tmp_path, '[server]\nbase_path = "/cti"\n') as app:
        client = app.test_client()
        assert (await client.post("/cti/probe/call", json={"number": "1"})).status_code == 200
        assert (await client.post("/probe/call", json={"number": "1"})).status_code == 200
        assert (await client.post("/webrest/probe/call", json={"number": "1"})).status_code == 404


async def test_cors_allows_any_origin_and_exposes_the_login_nonce_header(tmp_path):
    async with await probe_app(tmp_path) as app:
        client = app.test_client()
        preflight = await client.options(
            "/probe/call",
            headers={"Origin": "https://cti.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "Authorization, Content-Type"},
        )
        simple = await client.get("/status", headers={"Origin": "https://cti.example"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert simple.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" in simple.headers["Access-Control-Expose-Headers"]


async def test_cors_restricted_to_configured_origins(tmp_path):
    async with await probe_app(tmp_path, '[server]\ncors_origins = ["https://cti.example"]\n') as app:
        client = app.test_client()
        allowed = await client.get("/status", headers={"Origin": "https://cti.example"})
        other = await client.get("/status", headers={"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://cti.example"
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_status_reports_version_and_plugins(tmp_path, monkeypatch):
    monkeypatch.delenv("NETHCTI_ENV", raising=False)
    monkeypatch.delenv("NODE_ENV", raising=False)
    async with running_app(base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\n')) as app:
        response = await app.test_client().get("/webrest/status")
        body = await response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["version"]
    assert body["plugins"] == {"logging": {"ok": True, "level": "warning", "file": None}}


async def test_socketio_is_mounted_in_the_same_app(tmp_path):
    async with await probe_app(tmp_path) as app:
        response = await app.test_client().get("/socket.io/?EIO=4&transport=polling")
        body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith("0{") and '"sid"' in body
