"""The original's proxy extras: ``/freepbx/rest/provisioning/engine``, ``/freepbx/rest/phones/reboot`` and
``/tancredi/api/v1/{models,phones}/…``, forwarded only for the caller's own phones."""

from __future__ import annotations

from quart import Blueprint, Response, current_app, g, request

from nethcti.web import json_body, permission
from nethcti_provisioning.errors import NoPhoneInBody, NotYourPhone
from nethcti_provisioning.schemas import MacPath, ModelPath
from nethcti_provisioning.service import Answer, Upstream, macs_in, normalize_mac, owned_macs

blueprint = Blueprint("provisioning", __name__)
BYPASS = "presence_panel.ad_phone"  # a switchboard that may drive every phone may provision every phone


def upstream() -> Upstream:
    return current_app.extensions["provisioning"]


def require_own(macs: set[str]) -> None:
    if g.user.can(BYPASS):
        return
    foreign = sorted(macs - owned_macs(g.user.extensions))
    if foreign:
        raise NotYourPhone(details={"mac": foreign})


def answer(result: Answer) -> Response:
    return Response(result.body, status=result.status, headers=result.headers)


@blueprint.get("/freepbx/rest/provisioning/engine")
async def provisioning_engine():
    return answer(await upstream().forward(upstream().freepbx, "GET", "/freepbx/rest/provisioning/engine"))


@blueprint.post("/freepbx/rest/phones/reboot")
async def reboot_phones():
    body = await json_body()
    macs = macs_in(body)
    if not macs:
        raise NoPhoneInBody()
    require_own(macs)
    return answer(await upstream().forward(upstream().freepbx, "POST", "/freepbx/rest/phones/reboot",
                                           body=current_app.json.dumps(body).encode(),
                                           content_type="application/json"))


@blueprint.get("/tancredi/api/v1/models/<model>")
@permission("settings.phone_buttons")
async def tancredi_model(model: str):
    model = ModelPath().load({"model": model})["model"]
    return answer(await upstream().forward(upstream().tancredi, "GET", f"/api/v1/models/{model}",
                                           request.query_string))


@blueprint.route("/tancredi/api/v1/phones/<mac>", methods=["GET", "PATCH"])
@permission("settings.phone_buttons")
async def tancredi_phone(mac: str):
    mac = MacPath().load({"mac": mac})["mac"]
    require_own({normalize_mac(mac)})
    body = None
    if request.method == "PATCH":
        body = current_app.json.dumps(await json_body()).encode()
    return answer(await upstream().forward(upstream().tancredi, request.method, f"/api/v1/phones/{mac}",
                                           request.query_string, body, "application/json" if body else None))
