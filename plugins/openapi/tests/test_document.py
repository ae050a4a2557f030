"""GET /openapi.json and /docs as a client sees them: a valid OpenAPI 3.1 document of exactly the enabled routes,
a third-party plugin's declarations in it, the Swagger UI served from the package, public or behind the login."""

from __future__ import annotations

from marshmallow import Schema, fields
from openapi_spec_validator import validate
from quart import Blueprint

from nethcti import NotFound, ServerEvent, hookimpl, load_params, permission
from nethcti.apidoc import documented
from nethcti.testing import log_in, running_app, users_conf

OPENAPI = "[phonebook]\nenabled = true\n[openapi]\nenabled = true\n"


class Forecast(Schema):
    city = fields.String(required=True)
    sky = fields.String(required=True)


class ForecastQuery(Schema):
    days = fields.Integer(load_default=1)


class NoSuchCity(NotFound):
    error_id = "no-such-city"


weather = Blueprint("weather", __name__)


@weather.get("/weather/<city>")
@permission("phonebook")
@documented(query=ForecastQuery, responses={200: Forecast}, errors=[NoSuchCity])
async def forecast(city):
    """Today's weather."""
    params = await load_params(ForecastQuery())
    return {"city": city, "sky": "sunny", "days": params["days"]}


@weather.post("/weather/alerts")
async def alerts():
    return {}


class Weather:
    requires = ("auth",)
    socketio_events = (
        ServerEvent("weatherAlert", "every logged-in socket", Forecast, "a storm is coming"),
        ServerEvent("extenUpdate-like", "nobody", "astproxy.answers.ExtensionSchema"),  # astproxy is not enabled
        ServerEvent("weatherCleared", "every logged-in socket"),
    )

    @hookimpl
    def register_routes(self):
        return weather


async def document(app, headers=None) -> dict:
    response = await app.test_client().get("/webrest/openapi.json", headers=headers)
    assert response.status_code == 200, await response.get_data()
    return await response.get_json()


def operations(doc: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def url_map_operations(app, mounts: list[str]) -> set[tuple[str, str]]:
    from nethcti_openapi.builder import openapi_path

    return {(method, mount + openapi_path(rule.rule)[0]) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"} for mount in mounts}


async def test_the_document_is_valid_openapi_31_and_covers_every_route(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI), extra_plugins=[("weather", Weather())]) as app:
        doc = await document(app)
        validate(doc)
        assert doc["openapi"] == "3.1.0"
        assert operations(doc) == url_map_operations(app, ["/webrest"])
        assert set(doc["components"]["securitySchemes"]) == {"token", "bearer"}


async def test_a_third_party_plugin_declares_its_input_answers_and_errors(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI), extra_plugins=[("weather", Weather())]) as app:
        doc = await document(app)
    get = doc["paths"]["/webrest/weather/{city}"]["get"]
    assert get["summary"] == "Today's weather." and get["tags"] == ["weather"]
    assert {(p["in"], p["name"]) for p in get["parameters"]} == {("path", "city"), ("query", "days")}
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/test_document.Forecast"} or "Forecast" in str(get["responses"]["200"])
    assert "`no-such-city`" in get["responses"]["404"]["description"]
    assert "`permission-denied`" in get["responses"]["403"]["description"] and get["x-permission"] == "phonebook"
    assert get["security"] == [{"token": []}, {"bearer": []}]
    error = get["responses"]["default"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"error_id", "message", "details"}
    # a route without declarations is there too, with generic answers and any JSON object as its body
    post = doc["paths"]["/webrest/weather/alerts"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"type": "object"}
    assert set(post["responses"]) >= {"200", "401", "default"}


async def test_a_disabled_plugin_has_no_paths(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI)) as app:
        doc = await document(app)
    assert not any(path.startswith("/webrest/weather") for path in doc["paths"])
    assert any(path.startswith("/webrest/phonebook/") for path in doc["paths"])
    assert doc["paths"]["/webrest/status"]["get"]["security"] == []  # public


async def test_the_docs_page_and_its_assets_are_served_locally(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI)) as app:
        client = app.test_client()
        page = await client.get("/webrest/docs")
        html = (await page.get_data()).decode()
        assert page.status_code == 200 and page.content_type.startswith("text/html")
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert "http" not in html  # no CDN: every asset is relative to the page
        for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "nethcti-init.js"):
            assert f'docs/assets/{asset}' in html
            response = await client.get(f"/webrest/docs/assets/{asset}")
            assert response.status_code == 200 and len(await response.get_data()) > 20, asset
        bundle = (await (await client.get("/webrest/docs/assets/swagger-ui-bundle.js")).get_data()).decode()
        assert "SwaggerUIBundle" in bundle
        assert (await client.get("/webrest/docs/assets/..%2Fcore.py")).status_code == 404
        assert (await client.get("/webrest/docs/assets/index.html")).status_code == 404


async def test_private_by_configuration(tmp_path):
    conf = users_conf(tmp_path, OPENAPI + "public = false\n")
    async with running_app(conf) as app:
        client = app.test_client()
        assert (await client.get("/webrest/openapi.json")).status_code == 401
        assert (await client.get("/webrest/docs")).status_code == 401
        alice = await log_in(client, "alice", "alice-pw")
        assert (await document(app, alice))["info"]["title"] == "nethcti"
        assert (await client.get("/webrest/docs", headers=alice)).status_code == 200


async def test_the_page_can_be_turned_off(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI + "docs = false\n")) as app:
        client = app.test_client()
        assert (await client.get("/webrest/docs")).status_code == 404
        assert (await client.get("/webrest/openapi.json")).status_code == 200


async def test_a_plugin_declares_the_socketio_events_it_sends(tmp_path):
    async with running_app(users_conf(tmp_path, OPENAPI), extra_plugins=[("weather", Weather())]) as app:
        doc = await document(app)
    events = doc["x-socketio"]["serverEvents"]
    assert events["weatherAlert"] == {"plugin": "weather", "audience": "every logged-in socket",
                                      "description": "a storm is coming",
                                      "payload": {"$ref": f"#/components/schemas/{Forecast.__module__}.Forecast"}}
    assert f"{Forecast.__module__}.Forecast" in doc["components"]["schemas"]  # the payload's schema is a component
    # another plugin's component, when that plugin is not enabled: listed without a payload, never a dangling ref
    assert events["extenUpdate-like"] == {"plugin": "weather", "audience": "nobody"}
    assert "payload" not in events["weatherCleared"]
