"""``/historycall``, ``/histcallswitch``, ``/histcallsgroups``: nethcti-server's history API, thin views."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti.apidoc import EMPTY, documented
from nethcti.web import load_params
from nethcti_history import answers, schemas
from nethcti_history.service import History

blueprint = Blueprint("history", __name__)


def history() -> History:
    return current_app.extensions["history"]


def params(schema) -> dict:
    return schema.load(dict(request.args))


def max_limit() -> int:
    return current_app.plugin_config("history")["max_limit"]


@blueprint.get("/historycall/interval/<kind>/<target>/<first>/<last>", defaults={"filter": None})
@blueprint.get("/historycall/interval/<kind>/<target>/<first>/<last>/<filter>")
@documented(params=schemas.UserParams, responses={200: answers.HistoryPageSchema})
async def user_interval(kind: str, target: str, first: str, last: str, filter: str | None):
    query = params(schemas.UserParams())
    interval = schemas.interval(query, first, last, filter, max_limit())
    return await history().user_history(g.user, schemas.history_type(kind), target, interval, query["direction"])


@blueprint.get("/histcallswitch/interval/<first>/<last>", defaults={"filter": None})
@blueprint.get("/histcallswitch/interval/<first>/<last>/<filter>")
@documented(params=schemas.SwitchParams, responses={200: answers.HistoryPageSchema})
async def switch_interval(first: str, last: str, filter: str | None):
    query = params(schemas.SwitchParams())
    interval = schemas.interval(query, first, last, filter, max_limit())
    return await history().switch_history(g.user, interval, query["type"])


@blueprint.get("/histcallsgroups/interval/<first>/<last>", defaults={"filter": None})
@blueprint.get("/histcallsgroups/interval/<first>/<last>/<filter>")
@documented(params=schemas.SwitchParams, responses={200: answers.HistoryPageSchema})
async def groups_interval(first: str, last: str, filter: str | None):
    query = params(schemas.SwitchParams())
    interval = schemas.interval(query, first, last, filter, max_limit())
    return await history().groups_history(g.user, interval, query["type"])


@blueprint.get("/historycall/listen_callrec/<id>")
async def listen_callrec(id: str):
    return current_app.json.response(await history().listen(g.user, schemas.uniqueid(id)))


@blueprint.get("/historycall/down_callrec/<id>")
async def down_callrec(id: str):
    return current_app.json.response(await history().download(g.user, schemas.uniqueid(id)))


@blueprint.post("/historycall/delete_callrec")
@documented(params=schemas.DeleteRecording, responses={200: EMPTY})
async def delete_callrec():
    body = await load_params(schemas.DeleteRecording())
    await history().delete(g.user, schemas.uniqueid(body["id"]))
    return {}
