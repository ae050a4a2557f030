"""``POST /videoconf/*``: nethcti-server's videoconference API, for users with settings.video_conference."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.web import json_body, permission
from nethcti_videoconf.schemas import SendEmails
from nethcti_videoconf.service import Videoconf

blueprint = Blueprint("videoconf", __name__, url_prefix="/videoconf")
PERMISSION = "settings.video_conference"


def videoconf() -> Videoconf:
    return current_app.extensions["videoconf"]


@blueprint.post("/newroom")
@permission(PERMISSION)
async def new_room():
    return current_app.json.response(videoconf().new_room(g.user))  # null when not configured, as the original


@blueprint.post("/send_emails")
@permission(PERMISSION)
async def send_emails():
    params = SendEmails(videoconf().max_recipients).load(await json_body())
    return await videoconf().send_invitations(params["list"], params["email"])
