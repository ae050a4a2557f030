"""Operations: queue agents logging in and out of queues (QueueAdd, QueueRemove, *45) and pausing (QueuePause)."""

from __future__ import annotations

from marshmallow import fields, validate
from nethcti_ami.errors import AMIActionError

from nethcti.errors import Conflict, NotFound
from nethcti_astproxy.objects import Queue
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, Flag, NoSuchQueue, Operation, Params

AD_QUEUE_AGENT = "queue_agent.ad_queue_agent"
QUEUE_AGENT = "queue_agent"
DYNAMIC_QUEUES_CODE = "*45"  # the original's hard-coded toggle; feature code que_toggle when configured


class NotAQueueMember(NotFound):
    error_id, message = "not-a-queue-member", "The extension is not a member of the queue"


class StaticQueueMember(Conflict):
    error_id, message = "static-queue-member", "A static queue member cannot log out"


class MemberParams(Params):
    endpointId = Exten(required=True)
    queueId = Exten(required=True)


class AddParams(MemberParams):
    paused = Flag(load_default=False)


class PauseParams(Params):
    endpointId = Exten(required=True)
    queueId = Exten(load_default=None)  # none: every queue
    reason = fields.String(load_default="", validate=validate.Length(max=200))


class AgentParams(Params):
    endpointId = Exten(required=True)


def may_manage(ctx: Context, exten: str) -> None:
    """``ad_queue_agent`` manages any agent, ``queue_agent`` only the caller's own extensions."""
    ctx.require_permission(AD_QUEUE_AGENT, QUEUE_AGENT)
    ctx.require_own(exten, AD_QUEUE_AGENT)


def queue_of(ctx: Context, qid: str) -> Queue:
    ctx.astproxy.current()
    queue = ctx.astproxy.queue(qid)
    if queue is None:
        raise NoSuchQueue(f"No queue {qid}", {"queueId": qid})
    return queue


def interface(exten: str) -> str:
    """How NethVoice makes an extension a queue member (and how Asterisk names it in queue events)."""
    return f"Local/{exten}@from-queue/n"


def refused(exc: AMIActionError, text: str) -> bool:
    return text in str(exc.response.get("Message") if exc.response is not None else "")


async def agent_penalty(ctx: Context, qid: str, exten: str) -> int:
    """The agent's penalty as NethVoice stores it (AstDB ``QPENALTY/<queue>/agents/<ext>``); 0 without one."""
    replies = await ctx.ami.send_list_action(
        {"Action": "DBGet", "Family": "QPENALTY", "Key": f"{qid}/agents/{exten}"}, raw=True)
    value = next((str(r.get("Val", "")) for r in replies if r.get("Event") == "DBGetResponse"), "")
    return int(value) if value.isdigit() else 0


async def queue_log(ctx: Context, qid: str, event: str, name: str, exten: str) -> None:
    """A queue_log row naming the agent, for NethVoice's queue reports (as the original writes it)."""
    await ctx.ami.send_action({"Action": "QueueLog", "Queue": qid, "Event": event, "Uniqueid": "QUEUE_REPORT",
                               "Interface": name, "Message": interface(exten)})


async def queuemember_add(ctx: Context, params: dict) -> dict:
    exten, qid, paused = params["endpointId"], params["queueId"], params["paused"]
    may_manage(ctx, exten)
    name = ctx.extension(exten).name or exten
    queue_of(ctx, qid)
    penalty = await agent_penalty(ctx, qid, exten)
    action = {"Action": "QueueAdd", "Queue": qid, "Interface": interface(exten), "MemberName": name,
              "StateInterface": f"hint:{exten}@ext-local", "Penalty": penalty, "Paused": "true" if paused else None}
    try:
        await ctx.ami.send_action(action)
    except AMIActionError as exc:
        if not refused(exc, "Already there"):
            raise
        return {"exten": exten, "queue": qid, "added": False}  # logged in already: what the user asked for
    await queue_log(ctx, qid, "ADDMEMBER", name, exten)
    return {"exten": exten, "queue": qid, "added": True, "penalty": penalty, "paused": paused}


async def queuemember_remove(ctx: Context, params: dict) -> dict:
    exten, qid = params["endpointId"], params["queueId"]
    may_manage(ctx, exten)
    name = ctx.extension(exten).name or exten
    queue_of(ctx, qid)
    try:
        await ctx.ami.send_action({"Action": "QueueRemove", "Queue": qid, "Interface": interface(exten)})
    except AMIActionError as exc:
        if refused(exc, "not dynamic"):
            raise StaticQueueMember(f"{exten} is a static member of queue {qid}", {"queueId": qid}) from None
        if not refused(exc, "Not there"):
            raise
        return {"exten": exten, "queue": qid, "removed": False}  # logged out already
    await queue_log(ctx, qid, "REMOVEMEMBER", name, exten)
    return {"exten": exten, "queue": qid, "removed": True}


async def _pause(ctx: Context, params: dict, paused: bool) -> dict:
    exten, qid, reason = params["endpointId"], params["queueId"], params["reason"]
    may_manage(ctx, exten)
    ctx.extension(exten)
    if qid is not None:
        queue_of(ctx, qid)
    action = {"Action": "QueuePause", "Interface": interface(exten), "Paused": "true" if paused else "false",
              "Queue": qid, "Reason": reason or None}
    try:
        await ctx.ami.send_action(action)
    except AMIActionError as exc:
        if not refused(exc, "Interface not found"):
            raise
        where = f"queue {qid}" if qid else "any queue"
        raise NotAQueueMember(f"{exten} is not a member of {where}", {"queueId": qid}) from None
    body = {"exten": exten, "queue": qid, "paused": paused}
    return body | {"reason": reason} if paused else body


async def queuemember_pause(ctx: Context, params: dict) -> dict:
    return await _pause(ctx, params, True)


async def queuemember_unpause(ctx: Context, params: dict) -> dict:
    return await _pause(ctx, params, False)


async def inout_dyn_queues(ctx: Context, params: dict) -> dict:
    """Toggle the agent in every queue it is a dynamic member of, by dialling the PBX's own toggle code."""
    exten = params["endpointId"]
    may_manage(ctx, exten)
    ctx.extension(exten)
    code = ctx.statics.feature_codes.get("que_toggle") or DYNAMIC_QUEUES_CODE
    await ctx.ami.originate(f"Local/{code}@{ctx.context_of(exten)}", exten="ring", context="app-blackhole",
                            caller_id=f'"CTI" <{exten}>')
    return {"exten": exten, "dialed": code}


OPERATIONS = (
    Operation("queuemember_add", AddParams, queuemember_add, answers.MemberAdded),
    Operation("queuemember_remove", MemberParams, queuemember_remove, answers.MemberRemoved),
    Operation("queuemember_pause", PauseParams, queuemember_pause, answers.MemberPaused),
    Operation("queuemember_unpause", PauseParams, queuemember_unpause, answers.MemberPaused),
    Operation("inout_dyn_queues", AgentParams, inout_dyn_queues, answers.Dialed),
)
