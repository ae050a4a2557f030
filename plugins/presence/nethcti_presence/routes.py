"""``/user/*``: nethcti-server's user API (the caller's data, presence, settings), thin views over the services."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import EMPTY, documented
from nethcti.web import json_body, load_params
from nethcti_presence import answers
from nethcti_presence.schemas import (
    DefaultDevice,
    Mobile,
    SetConditionalPresence,
    SetPresence,
    check_setting_name,
    check_settings,
)
from nethcti_presence.service import Presences
from nethcti_presence.user import UserService

blueprint = Blueprint("presence", __name__, url_prefix="/user")


def users() -> UserService:
    return current_app.extensions["presence.user"]


def presences() -> Presences:
    return current_app.extensions["presence"]


@blueprint.get("/me")
@documented(responses={200: answers.MeSchema})
async def me():
    return await users().me(g.user)


@blueprint.get("/endpoints/all")
@blueprint.get("/all")
@documented(responses={200: answers.EVERYONE})
async def everyone():
    return users().everyone(g.user)


@blueprint.get("/all_avatars")
@documented(responses={200: answers.AVATARS})
async def all_avatars():
    return await users().avatars()


@blueprint.get("/paramurl")
async def paramurl():
    return await users().paramurl(g.user)


# -- presence


@blueprint.get("/presence")
@documented(responses={200: answers.PresenceSchema})
async def presence():
    return users().presence(g.user)


@blueprint.post("/presence")
@documented(params=SetPresence, responses={200: EMPTY})
async def set_presence():
    params = await load_params(SetPresence())
    await presences().set_presence(g.user, params["status"], params["to"])
    return {}


@blueprint.get("/presencelist")
@documented(responses={200: answers.PRESENCE_LIST})
async def presence_list():
    return users().presence_list(g.user)


@blueprint.get("/presence_onbusy")
@documented(responses={200: answers.PresenceSchema})
async def presence_onbusy():
    return users().presence(g.user, "presence_onbusy")


@blueprint.post("/presence_onbusy")
@documented(params=SetConditionalPresence, responses={200: EMPTY})
async def set_presence_onbusy():
    params = await load_params(SetConditionalPresence())
    await presences().set_conditional(g.user, "presence_onbusy", params["status"], params["to"])
    return {}


@blueprint.get("/presence_onunavailable")
@documented(responses={200: answers.PresenceSchema})
async def presence_onunavailable():
    return users().presence(g.user, "presence_onunavailable")


@blueprint.post("/presence_onunavailable")
@documented(params=SetConditionalPresence, responses={200: EMPTY})
async def set_presence_onunavailable():
    params = await load_params(SetConditionalPresence())
    await presences().set_conditional(g.user, "presence_onunavailable", params["status"], params["to"])
    return {}


@blueprint.get("/presencelist_onbusy")
@blueprint.get("/presencelist_onunavailable")
@documented(responses={200: answers.PRESENCE_LIST})
async def conditional_presence_list():
    return users().conditional_presence_list()


# -- devices and settings


@blueprint.post("/default_device")
@documented(params=DefaultDevice, responses={200: EMPTY})
async def default_device():
    params = await load_params(DefaultDevice())
    await users().set_default_device(g.user, params["id"])
    return {}


@blueprint.get("/settings")
@documented(responses={200: answers.SETTINGS})
async def settings():
    return await users().settings_of(g.user)


@blueprint.post("/settings")
@documented(body={"type": "object", "description": "settings to save, by name (merged with the saved ones)"},
            responses={200: EMPTY})
async def save_settings():
    await users().save_settings(g.user, check_settings(await json_body()))
    return {}


@blueprint.delete("/settings")
@documented(responses={200: EMPTY})
async def delete_settings():
    await users().delete_settings(g.user)
    return {}


@blueprint.delete("/setting/<prop>")
@documented(responses={200: EMPTY})
async def delete_setting(prop: str):
    await users().delete_settings(g.user, check_setting_name(prop))
    return {}


@blueprint.post("/mobile")
@documented(params=Mobile, responses={200: EMPTY})
async def mobile():
    params = await load_params(Mobile())
    await users().set_mobile(g.user, params["number"])
    return {}
