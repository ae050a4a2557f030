"""``/voicemail/*``: nethcti-server's voicemail API, thin views over the Voicemail service."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti.apidoc import EMPTY, documented
from nethcti.web import load_params, permission
from nethcti_voicemail import answers
from nethcti_voicemail.schemas import Greeting, GreetingType, MessageId, Page
from nethcti_voicemail.service import Voicemail, encode

blueprint = Blueprint("voicemail", __name__, url_prefix="/voicemail")


def voicemail() -> Voicemail:
    return current_app.extensions["voicemail"]


def as_json(value):
    """A JSON body of any value: a string too, as the original's ``res.send(200, "<base64>")``."""
    return current_app.json.response(value)


def with_path(schema, **values):
    """Path parameters through the same schema as the query string."""
    return schema.load({**request.args, **values})


@blueprint.get("/list/<kind>")
@documented(query=Page(exclude=("type",)), responses={200: answers.MESSAGES})
async def list_messages(kind: str):
    page = with_path(Page(), type=kind)
    return as_json(await voicemail().list(g.user, page["type"], page["offset"], page["limit"]))


@blueprint.get("/listen/<msg_id>")
@documented(responses={200: answers.BASE64})
async def listen(msg_id: str):
    return as_json(encode(await voicemail().listen(g.user, with_path(MessageId(), id=msg_id)["id"])))


@blueprint.get("/download/<msg_id>")
@documented(responses={200: answers.STATIC_NAME})
async def download(msg_id: str):
    return as_json(await voicemail().download(g.user, with_path(MessageId(), id=msg_id)["id"]))


@blueprint.get("/new_counters")
@documented(responses={200: answers.NEW_COUNTERS})
@permission("presence_panel")
async def new_counters():
    return await voicemail().new_counters()


@blueprint.post("/delete")
@documented(params=MessageId, responses={200: EMPTY})
async def delete():
    await voicemail().delete(g.user, (await load_params(MessageId()))["id"])
    return {}


@blueprint.get("/listen_custom_msg/<kind>")
@documented(responses={200: answers.BASE64})
async def listen_greeting(kind: str):
    return as_json(encode(await voicemail().greeting(g.user, with_path(GreetingType(), type=kind)["type"])))


@blueprint.get("/download_custom_msg/<kind>")
@documented(responses={200: answers.STATIC_NAME})
async def download_greeting(kind: str):
    return as_json(await voicemail().download_greeting(g.user, with_path(GreetingType(), type=kind)["type"]))


@blueprint.post("/custom_msg")
@documented(params=Greeting, responses={200: EMPTY})
async def upload_greeting():
    params = await load_params(Greeting())
    await voicemail().set_greeting(g.user, params["type"], params["audio"])
    return {}


@blueprint.delete("/custom_msg/<kind>")
@documented(responses={200: EMPTY})
async def delete_greeting(kind: str):
    await voicemail().delete_greeting(g.user, with_path(GreetingType(), type=kind)["type"])
    return {}
