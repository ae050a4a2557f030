"""``GET /astproxy/*``: the live model as nethcti-server answers it, masked per the caller's profile."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import EMPTY, documented
from nethcti.web import permission
from nethcti_astproxy import answers
from nethcti_astproxy.errors import NotYourExtension
from nethcti_astproxy.schemas import EndpointParam
from nethcti_astproxy.service import Astproxy

blueprint = Blueprint("astproxy", __name__, url_prefix="/astproxy")


def service() -> Astproxy:
    return current_app.extensions["astproxy"]


def own_endpoint(endpoint: str) -> str:
    """The endpoint parameter, checked, that must be one of the caller's extensions (else 403)."""
    endpoint = EndpointParam().load({"endpoint": endpoint})["endpoint"]
    if not g.user.owns_extension(endpoint):
        raise NotYourExtension(f"Extension {endpoint} is not one of yours", {"endpoint": endpoint})
    return endpoint


@blueprint.get("/extensions")
@documented(responses={200: answers.EXTENSIONS})
async def extensions():
    return service().extensions_json(g.user)


@blueprint.get("/extension/<exten>")
@documented(responses={200: answers.ExtensionSchema})
async def extension(exten: str):
    exten = EndpointParam().load({"endpoint": exten})["endpoint"]
    return service().extension_json(exten, g.user)


@blueprint.get("/queues")
@permission("queue_agent")
@documented(responses={200: answers.QUEUES})
async def queues():
    return service().queues_json(g.user)


@blueprint.get("/qmanager_queues")
@permission("qmanager")
@documented(responses={200: answers.QUEUES})
async def qmanager_queues():
    astproxy = service()
    return astproxy.queues_json(g.user, only=astproxy.qmanager_queues(g.user))


@blueprint.get("/opdata")
@permission("operator_panel")
async def opdata():
    return service().operator_json(g.user)


@blueprint.get("/trunks")
@permission("presence_panel.trunks")
@documented(responses={200: answers.TRUNKS})
async def trunks():
    return service().trunks_json(g.user)


@blueprint.get("/parkings")
@permission("settings.parkings")
@documented(responses={200: answers.PARKINGS})
async def parkings():
    return service().parkings_json(g.user)


@blueprint.get("/prefix")
@documented(responses={200: answers.PrefixSchema})
async def prefix():
    return {"prefix": service().statics.prefix}


@blueprint.get("/sip_webrtc")
@documented(responses={200: EMPTY})
async def sip_webrtc():
    return {}  # the original's WebRTC SIP settings were never set: phone-island takes them from /user/me


@blueprint.get("/opgroups")
@documented(responses={200: answers.OPGROUPS})
async def opgroups():
    return {group: {"users": list(users)} for group, users in service().statics.operator_groups.items()}


@blueprint.get("/conference/<endpoint>")
@documented(responses={200: answers.CONFERENCE}, errors=[NotYourExtension])
async def conference(endpoint: str):
    endpoint = own_endpoint(endpoint)
    return service().conference_json(endpoint)


@blueprint.get("/dnd/<endpoint>")
@permission("settings.dnd")
@documented(responses={200: answers.DndSchema}, errors=[NotYourExtension])
async def dnd(endpoint: str):
    endpoint = own_endpoint(endpoint)
    enabled = await service().read_dnd(endpoint)
    return {"exten": endpoint, "dnd": "on" if enabled else "off"}
