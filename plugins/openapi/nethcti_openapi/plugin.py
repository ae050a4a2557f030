"""``[openapi]``: GET /openapi.json, generated at start-up from the routes of the enabled plugins, and /docs."""

from __future__ import annotations

from dataclasses import dataclass

from loguru import logger

from nethcti import hookimpl, public
from nethcti_openapi.builder import DocumentBuilder
from nethcti_openapi.routes import assets_dir, blueprint
from nethcti_openapi.schemas import OpenapiSchema

OWN_ENDPOINTS = ("openapi.document", "openapi.docs", "openapi.asset")


@dataclass
class OpenApi:
    document: dict


@hookimpl
def register_config_schema():
    return OpenapiSchema


@hookimpl
def register_routes():
    return blueprint


def public_view(view):
    """The same view, reachable without a token: marked on a wrapper of this app's own, not on the shared one."""

    async def reachable_without_token(**kwargs):
        return await view(**kwargs)

    reachable_without_token.nethcti_doc = view.nethcti_doc
    return public(reachable_without_token)


@hookimpl
async def startup(app):
    config = app.plugin_config("openapi")
    if config["public"]:
        for endpoint in OWN_ENDPOINTS:
            app.view_functions[endpoint] = public_view(app.view_functions[endpoint])
    if config["docs"]:
        assets_dir()  # fail now, loudly, if swagger-ui-py is missing
    # every blueprint is registered before any start-up hook, so the URL map is complete here
    document = DocumentBuilder(app).build()
    app.extensions["openapi"] = OpenApi(document)
    logger.info("openapi: {} paths documented", len(document["paths"]))


@hookimpl
def collect_status(app):
    service = app.extensions.get("openapi")
    return {"ok": service is not None, "paths": len(service.document["paths"]) if service else 0}
