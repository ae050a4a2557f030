"""``/astproxy/queue_astats``, ``qmanager_*``, ``queue_recall``, ``qrecall_*``, ``qalarms``: thin views."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti.apidoc import documented
from nethcti.web import permission
from nethcti_queuestats import schemas
from nethcti_queuestats.service import QueueStats

blueprint = Blueprint("queuestats", __name__, url_prefix="/astproxy")
LOST_QUEUE_CALL = "queue_agent.lost_queue_call"


def stats() -> QueueStats:
    return current_app.extensions["queuestats"]


def hours(value: str) -> int:
    return schemas.hours(value, current_app.plugin_config("queuestats")["max_hours"])


def page() -> tuple[int, int | None]:
    params = schemas.PageParams().load(dict(request.args))
    limit, maximum = params["limit"], current_app.plugin_config("queuestats")["max_limit"]
    if limit is not None and limit > maximum:
        raise schemas.ValidationError({"limit": [f"At most {maximum}"]})
    return params["offset"], limit


@blueprint.get("/queue_astats")
@permission("queue_agent")
async def queue_astats():
    return await stats().own_agent(g.user)


@blueprint.get("/qmanager_astats")
@permission("qmanager")
async def qmanager_astats():
    return await stats().supervisor_agents(g.user)


@blueprint.get("/qmanager_qstats/<qid>")
@permission("qmanager")
async def qmanager_qstats(qid: str):
    return await stats().queue_stats(g.user, qid)


@blueprint.get("/qmanager_qcalls")
@permission("qmanager")
async def qmanager_qcalls():
    return stats().live_calls(g.user)


@blueprint.get("/qmanager_qcalls_hist")
@permission("qmanager")
async def qmanager_qcalls_hist():
    return await stats().calls_history(g.user)


@blueprint.get("/queue_recall/<hours_>/<qids>/<type_>")
@permission(LOST_QUEUE_CALL)
@documented(query=schemas.PageParams)
async def queue_recall(hours_: str, qids: str, type_: str):
    service = stats()
    span, kind = hours(hours_), schemas.recall_type(type_)
    queues = schemas.queue_list(qids, service.known_queues())
    offset, limit = page()
    service.check_member(g.user, queues)
    return await service.recalls(queues, span, kind, offset, limit)


@blueprint.get("/qmanager_queue_recall/<hours_>/<qids>/<type_>")
@permission("qmanager")
@documented(query=schemas.PageParams)
async def qmanager_queue_recall(hours_: str, qids: str, type_: str):
    service = stats()
    span, kind = hours(hours_), schemas.recall_type(type_)
    queues = schemas.queue_list(qids, service.known_queues())
    offset, limit = page()
    service.check_supervisor(g.user, queues)
    return await service.recalls(queues, span, kind, offset, limit)


@blueprint.get("/qrecall_info/<hours_>/<cid>/<qid>")
@permission(LOST_QUEUE_CALL)
async def qrecall_info(hours_: str, cid: str, qid: str):
    service = stats()
    span, number = hours(hours_), schemas.number(cid, "cid")
    service.queue(qid)
    service.check_member(g.user, (qid,))
    return current_app.json.response(await service.recall_info(qid, number, span))


@blueprint.get("/qmanager_qrecall_info/<hours_>/<cid>/<qid>")
@permission("qmanager")
async def qmanager_qrecall_info(hours_: str, cid: str, qid: str):
    service = stats()
    span, number = hours(hours_), schemas.number(cid, "cid")
    service.queue(qid)
    service.check_supervisor(g.user, (qid,))
    return current_app.json.response(await service.recall_info(qid, number, span))


@blueprint.get("/qrecall_check/<num>")
@permission(LOST_QUEUE_CALL)
async def qrecall_check(num: str):
    return {"inConversation": stats().in_conversation(schemas.number(num, "num"))}


@blueprint.get("/qalarms")
@permission("qmanager")
async def qalarms():
    service = stats()
    return service.alarms.listing(service.supervised(g.user))
