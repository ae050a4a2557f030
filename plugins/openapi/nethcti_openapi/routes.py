"""``GET /openapi.json`` and the Swagger UI page ``/docs`` with its assets, served from the swagger-ui-py package."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from quart import Blueprint, Response, current_app, send_from_directory

from nethcti.apidoc import documented
from nethcti.errors import NotFound

blueprint = Blueprint("openapi", __name__)

# relative URLs: the page works under every mount (/docs, /webrest/docs, /api/docs) and behind a proxy
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>nethcti API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/nethcti-init.js"></script>
</body>
</html>
"""
# a file of its own, not inline, so the page's Content-Security-Policy allows scripts from 'self' only
INIT = """window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
"""
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")


def assets_dir() -> Path:
    """swagger-ui-py's bundled Swagger UI, found without importing the package (it imports jinja2 and yaml)."""
    spec = find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def docs_enabled() -> None:
    if not current_app.plugin_config("openapi")["docs"]:
        raise NotFound("The API browser is disabled ([openapi] docs = false)")


@blueprint.get("/openapi.json")
@documented(summary="This document: the OpenAPI 3.1 description of every route of the enabled plugins",
            responses={200: {"type": "object"}})
async def document():
    return current_app.extensions["openapi"].document


@blueprint.get("/docs")
@documented(summary="The API browser (Swagger UI) over /openapi.json", responses={200: ("text/html", {})})
async def docs():
    docs_enabled()
    return Response(PAGE, content_type="text/html; charset=utf-8", headers={"Content-Security-Policy": CSP})


@blueprint.get("/docs/assets/<name>")
@documented(summary="The API browser's scripts and styles", responses={200: ("*/*", {})})
async def asset(name: str):
    docs_enabled()
    if name == "nethcti-init.js":
        return Response(INIT, content_type="text/javascript; charset=utf-8")
    if name not in ASSETS:
        raise NotFound(f"No asset {name!r}")
    return await send_from_directory(assets_dir(), name, cache_timeout=86400)
