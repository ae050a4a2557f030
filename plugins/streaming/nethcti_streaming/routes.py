"""``/streaming/*``: nethcti-server's streaming API, thin views over the Streaming service."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import EMPTY, documented
from nethcti.web import load_params, permission
from nethcti_streaming.schemas import SourceRequest
from nethcti_streaming.service import Streaming

blueprint = Blueprint("streaming", __name__, url_prefix="/streaming")


def streaming() -> Streaming:
    return current_app.extensions["streaming"]


@blueprint.get("/sources")
@permission("streaming")
@documented(responses={200: {"type": "object", "additionalProperties": {
    "type": "object", "required": ["id", "url", "description", "extension", "cmdOpen", "frameRate"]}}})
async def sources():
    return streaming().sources_json(g.user)


@blueprint.get("/image/<source>")
@permission("streaming")
@documented(responses={200: {"type": "object", "required": ["id", "image"], "properties": {
    "id": {"type": "string"}, "image": {"type": "string", "description": "the frame as a data: URL"}}}})
async def image(source: str):
    params = SourceRequest().load({"id": source})  # 400 naming "id" for a malformed one
    return await streaming().image(g.user, params["id"])


@blueprint.post("/open")
@permission("streaming")
@documented(params=SourceRequest, responses={200: EMPTY})
async def open_door():
    params = await load_params(SourceRequest())
    await streaming().open(g.user, params["id"])
    return {}


@blueprint.post("/subscribe")
@permission("streaming")
@documented(params=SourceRequest, responses={200: EMPTY})
async def subscribe():
    params = await load_params(SourceRequest())
    await streaming().subscribe(g.user, params["id"])
    return {}


@blueprint.post("/unsubscribe")
@permission("streaming")
@documented(params=SourceRequest, responses={200: EMPTY})
async def unsubscribe():
    params = await load_params(SourceRequest())
    await streaming().unsubscribe(g.user, params["id"])
    return {}


