"""``POST /astproxy/<operation>``: one thin view per operation of the ops modules."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import load_params
from nethcti_astproxy.ops import (
    calls,
    conferences,
    dnd,
    incall_audio,
    pbxsettings,
    phones,
    pins,
    queues,
    recording,
    transfers,
    wakeup,
    webrtc,
)
from nethcti_astproxy.ops.common import Context, Operation

OPERATIONS: tuple[Operation, ...] = (
    *calls.OPERATIONS,
    *transfers.OPERATIONS,
    *recording.OPERATIONS,
    *queues.OPERATIONS,
    *conferences.OPERATIONS,
    *dnd.OPERATIONS,
    *phones.OPERATIONS,
    *webrtc.OPERATIONS,
    *pbxsettings.OPERATIONS,
    *wakeup.OPERATIONS,
    *pins.OPERATIONS,
    *incall_audio.OPERATIONS,
)


def view_for(operation: Operation):
    async def view():
        params = await load_params(operation.schema())
        context = Context(current_app.extensions["astproxy"], g.user)
        return await operation.run(context, params) or {}

    view.__name__ = operation.name
    view.__doc__ = operation.run.__doc__
    return documented(params=operation.schema, responses={200: operation.answer})(view)  # in /openapi.json


def build_blueprint() -> Blueprint:
    blueprint = Blueprint("astproxy_ops", __name__, url_prefix="/astproxy")
    for operation in OPERATIONS:
        blueprint.add_url_rule(f"/{operation.name}", operation.name, view_for(operation), methods=["POST"])
    return blueprint
