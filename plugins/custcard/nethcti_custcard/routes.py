"""``/custcard/*``: nethcti-server's customer card API, thin views over the CustomerCards service."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import load_params, permission
from nethcti_custcard.schemas import ByNumber, Preview
from nethcti_custcard.service import CustomerCards

blueprint = Blueprint("custcard", __name__, url_prefix="/custcard")


def cards() -> CustomerCards:
    return current_app.extensions["custcard"]


@blueprint.get("/list")
@permission("customer_card")
async def card_list():
    return cards().list(g.user)


@blueprint.get("/getbynum/<path:number>/<fmt>")
@permission("customer_card")
async def by_number(number: str, fmt: str):
    params = ByNumber().load({"number": number, "format": fmt})
    return await cards().by_number(g.user, params["number"], params["format"])


@blueprint.post("/preview")
@permission("customer_card")
@documented(params=Preview)
async def preview():
    params = await load_params(Preview())
    return await cards().preview(g.user, params["dbconn_id"], params["query"], params["template"], params["number"])
