"""``POST /videoconf/*``: nethcti-server's videoconference API, for users with settings.video_conference."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import json_body, permission
from nethcti_videoconf.schemas import SendEmails
from nethcti_videoconf.service import Videoconf

blueprint = Blueprint("videoconf", __name__, url_prefix="/videoconf")
PERMISSION = "settings.video_conference"


def videoconf() -> Videoconf:
    return current_app.extensions["videoconf"]


@blueprint.post("/newroom")
@permission(PERMISSION)
@documented(responses={200: {"type": ["object", "null"], "required": ["id", "url", "provider"], "properties": {
    "id": {"type": "string"}, "url": {"type": "string"}, "provider": {"const": "jitsi"}},
    "description": "the new room; null when no videoconference is configured"}})
async def new_room():
    return current_app.json.response(videoconf().new_room(g.user))  # null when not configured, as the original


@blueprint.post("/send_emails")
@permission(PERMISSION)
@documented(body=SendEmails(max_recipients=50), responses={200: {  # the limit: the configuration's, when loading
    "type": "object", "additionalProperties": {"type": "object", "required": ["success"]},
    "description": "by address: whether its invitation was sent"}})
async def send_emails():
    params = SendEmails(videoconf().max_recipients).load(await json_body())
    return await videoconf().send_invitations(params["list"], params["email"])
