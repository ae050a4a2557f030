"""``/astproxy`` settings on the PBX that are not POST operations: reading call waiting, forwards, wake-up calls,
PINs and the feature codes; deleting a wake-up call; the token-less ``unauthe_call``."""

from __future__ import annotations

from nethcti_auth.routes import client_address
from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import load_params, public
from nethcti_astproxy import answers
from nethcti_astproxy.ops import answers as ops_answers
from nethcti_astproxy.ops import pbxsettings, pins, unauthe, wakeup
from nethcti_astproxy.ops.common import Context
from nethcti_astproxy.schemas import EndpointParam

blueprint = Blueprint("astproxy_settings", __name__, url_prefix="/astproxy")


def context() -> Context:
    return Context(current_app.extensions["astproxy"], g.user)


def endpoint_param(endpoint: str) -> str:
    return EndpointParam().load({"endpoint": endpoint})["endpoint"]


@blueprint.get("/cw/<endpoint>")
@documented(responses={200: answers.CW})
async def cw(endpoint: str):
    return await pbxsettings.read_cw(context(), endpoint_param(endpoint))


@blueprint.get("/cfcall/<cf_type>/<endpoint>")
@documented(responses={200: answers.FORWARD})
async def cfcall(cf_type: str, endpoint: str):
    return await pbxsettings.read_forward(context(), "cfcall", cf_type, endpoint_param(endpoint))


@blueprint.get("/cfvm/<cf_type>/<endpoint>")
@documented(responses={200: answers.FORWARD})
async def cfvm(cf_type: str, endpoint: str):
    return await pbxsettings.read_forward(context(), "cfvm", cf_type, endpoint_param(endpoint))


@blueprint.get("/feature_codes")
@documented(responses={200: answers.FEATURE_CODES})
async def feature_codes():
    return dict(current_app.extensions["astproxy"].statics.feature_codes)


@blueprint.get("/pin")
@documented(responses={200: ops_answers.PINS})
async def pin():
    return await pins.read_pins(context())


@blueprint.get("/pinstatus")
@documented(responses={200: ops_answers.PinStatus})
async def pinstatus():
    return await pins.read_status(context())


@blueprint.post("/unauthe_call")
@public  # no token: refused unless [astproxy] unauthe_call is on and the address is allowed
@documented(params=unauthe.UnautheCallParams, responses={200: ops_answers.Originated})
async def unauthe_call():
    config = current_app.plugin_config("astproxy")
    # the client's address behind trusted proxies, as the login sees it
    unauthe.require_allowed(client_address(), config["unauthe_call"], config["unauthe_call_allowed"])
    params = await load_params(unauthe.UnautheCallParams())
    return await unauthe.unauthe_call(Context(current_app.extensions["astproxy"], None), params)


@blueprint.get("/wakeup")
@documented(responses={200: ops_answers.WAKEUPS})
async def wakeup_list():
    return await wakeup.listing(context())


@blueprint.delete("/wakeup")
@documented(params=wakeup.DeleteParams, responses={200: ops_answers.WakeupDeleted})
async def wakeup_delete():
    return await wakeup.delete(context(), await load_params(wakeup.DeleteParams()))
