"""``/offhour/*``: nethcti-server's off-hour API, thin views over the Offhour service."""

from __future__ import annotations

import base64

from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import load_params
from nethcti_offhour.schemas import (
    AnnouncementId,
    EnableAnnouncement,
    ModifyAnnouncement,
    SetOffhour,
    UploadAnnouncement,
)
from nethcti_offhour.service import Offhour

blueprint = Blueprint("offhour", __name__, url_prefix="/offhour")


def offhour() -> Offhour:
    return current_app.extensions["offhour"]


def as_json(value):
    """A JSON body of any value (a bare string too, as the original's ``res.send(200, "<base64>")``)."""
    return current_app.json.response(value)


@blueprint.get("/list")
async def inbound_routes():
    return await offhour().inbound_routes(g.user)


@blueprint.get("/list_announcement")
async def announcements():
    return as_json(await offhour().announcements(g.user))


@blueprint.get("/listen_announcement/<announcement_id>")
async def listen(announcement_id: str):
    audio = await offhour().audio(g.user, AnnouncementId().load({"id": announcement_id})["id"])
    return as_json(base64.b64encode(audio).decode())


@blueprint.get("/download_announcement/<announcement_id>")
async def download(announcement_id: str):
    return as_json(await offhour().download(g.user, AnnouncementId().load({"id": announcement_id})["id"]))


@blueprint.post("/set_offhour")
@documented(params=SetOffhour)
async def set_offhour():
    schema = SetOffhour()
    params = await load_params(schema)
    await offhour().set_offhour(g.user, params, schema.period(params))
    return {}


@blueprint.post("/modify_announcement")
@documented(params=ModifyAnnouncement)
async def modify():
    params = await load_params(ModifyAnnouncement())
    await offhour().modify(g.user, params["id"], params["description"], params["privacy"])
    return {}


@blueprint.post("/delete_announcement")
@documented(params=AnnouncementId)
async def delete():
    await offhour().delete(g.user, (await load_params(AnnouncementId()))["id"])
    return {}


@blueprint.post("/record_announcement")
@documented()  # no body
async def record():
    return await offhour().record(g.user)


@blueprint.post("/enable_announcement")
@documented(params=EnableAnnouncement)
async def enable():
    params = await load_params(EnableAnnouncement())
    await offhour().enable(g.user, params["tempFilename"], params["description"], params["privacy"])
    return {}


@blueprint.post("/upload_announcement")
@documented(params=UploadAnnouncement)
async def upload():
    params = await load_params(UploadAnnouncement())
    await offhour().upload(g.user, params["description"], params["privacy"], params["audio_content"])
    return {}
