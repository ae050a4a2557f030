"""Operations that move calls: transfers, parking, pickup, to voicemail, to the operator's waiting queue."""

from __future__ import annotations

from marshmallow import fields

from nethcti.errors import ServiceUnavailable
from nethcti_astproxy.errors import NotYourExtension
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.calls import originate_call
from nethcti_astproxy.ops.common import (
    ChannelName,
    Context,
    ConvId,
    Exten,
    NoSuchConversation,
    NoSuchParking,
    NoSuchQueue,
    Number,
    Operation,
    OperationForbidden,
    Params,
    extension_endpoint_type,
)
from nethcti_astproxy.service import OPERATOR_QUEUE

TRANSFER = "presence_panel.transfer"
PICKUP = "presence_panel.pickup"
AD_PARKING = "presence_panel.ad_parking"
PARKINGS = "settings.parkings"
OPERATOR_PANEL = "operator_panel"
VOICEMAIL_CONTEXT, VOICEMAIL_PREFIX = "ext-local", "vmu"  # FreePBX: vmu<box>@ext-local = "unavailable" message
OPERATOR_CONTEXT = "ctiopqueue"  # NethVoice: the operators' waiting queues ctiopqueue<profile id>


async def redirect(ctx: Context, channel: str, exten: str, context: str) -> None:
    await ctx.ami.send_action({"Action": "Redirect", "Channel": channel, "Context": context, "Exten": exten,
                               "Priority": 1})


def parked_channel(ctx: Context, slot: str) -> str:
    ctx.astproxy.current()
    parking = ctx.astproxy.parking(slot)
    if parking is None or parking.parked is None:
        raise NoSuchParking(f"Nothing is parked in {slot}", {"parking": slot})
    return parking.parked.channel


def waiting_channel(ctx: Context, qid: str, caller: str, field: str) -> str:
    ctx.astproxy.current()
    queue = ctx.astproxy.queue(qid)
    if queue is None:
        raise NoSuchQueue(f"No queue {qid}", {"queue": qid})
    if caller not in queue.waiting:
        raise NoSuchConversation(f"Nobody waits in queue {qid} on {caller}", {field: caller})
    return caller


# ------------------------------------------------------------------ transfers of a conversation


class TransferParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)
    to = Number(required=True)


async def blindtransfer(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"], TRANSFER)
    ref = ctx.conversation(params["endpointId"], params["convid"])
    # Asterisk sends whoever is bridged with the owner's channel to the number; the owner's channel ends
    await ctx.ami.send_action({"Action": "BlindTransfer", "Channel": ref.channel.name,
                               "Context": ctx.statics.transfer_context, "Exten": params["to"]})
    return {"transferred": ref.counterpart.name if ref.counterpart else None, "to": params["to"]}


async def atxfer(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"], TRANSFER)
    ref = ctx.conversation(params["endpointId"], params["convid"])
    # the owner consults the number while the other party holds; the transfer completes when the owner hangs
    # up ("#" ends the digits at once instead of after transferdigittimeout)
    await ctx.ami.send_action({"Action": "Atxfer", "Channel": ref.channel.name,
                               "Context": ctx.context_of(params["endpointId"]), "Exten": f"{params['to']}#"})
    return {"transferring": ref.channel.name, "to": params["to"]}


class VoicemailParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)
    voicemailId = Exten(required=True)
    endpointType = extension_endpoint_type(load_default="extension")
    username = fields.String(load_default=None)  # the original checked ownership against it: ignored


async def txfer_tovm(ctx: Context, params: dict) -> dict:
    box = params["voicemailId"]
    ctx.require_own(params["endpointId"])
    if box not in ctx.user.voicemails:
        raise NotYourExtension(f"Voicemail {box} is not one of yours", {"voicemailId": box})
    ref = ctx.conversation(params["endpointId"], params["convid"])
    if ref.counterpart is None:
        raise NoSuchConversation("Nobody to transfer in this conversation", {"convid": params["convid"]})
    await redirect(ctx, ref.counterpart.name, VOICEMAIL_PREFIX + box, VOICEMAIL_CONTEXT)
    return {"redirected": ref.counterpart.name, "voicemail": box}


class WaitParams(Params):
    convid = ConvId(required=True)


async def op_wait_conv(ctx: Context, params: dict) -> dict:
    ctx.require_permission(OPERATOR_PANEL)
    prefix = f"{OPERATOR_PANEL}.waiting_queue_"
    granted = sorted(name for name in ctx.user.profile.granted if name.startswith(prefix))
    if not granted:
        raise OperationForbidden("The profile has no operator waiting queue", {"permission": f"{prefix}<profile>"})
    queue = OPERATOR_QUEUE + granted[0][len(prefix):]
    ctx.astproxy.current()
    convid = params["convid"]
    ref = next((r for exten in sorted(ctx.user.extension_ids) if (r := ctx.astproxy.conversation(exten, convid))),
               None)
    if ref is None:
        raise NoSuchConversation(f"None of your extensions has conversation {convid}", {"convid": convid})
    if ref.counterpart is None:
        raise NoSuchConversation("Nobody to move in this conversation", {"convid": convid})
    await redirect(ctx, ref.counterpart.name, queue, OPERATOR_CONTEXT)
    return {"redirected": ref.counterpart.name, "queue": queue}


# ------------------------------------------------------------------ parking


class ParkParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)
    applicantId = Exten(required=True)


async def park(ctx: Context, params: dict) -> dict:
    applicant = params["applicantId"]
    ctx.require_own(applicant, AD_PARKING, field="applicantId")
    ctx.conversation(params["endpointId"], params["convid"])
    ref = ctx.conversation(applicant, params["convid"])  # the applicant is one of the two parties
    if ref.counterpart is None:
        raise NoSuchConversation("Nobody to park in this conversation", {"convid": params["convid"]})
    # the other party is parked; should nobody pick it up, it comes back to the applicant
    await ctx.ami.send_action({"Action": "Park", "Channel": ref.counterpart.name,
                               "TimeoutChannel": ref.channel.name})
    return {"parked": ref.counterpart.name}


class PickupParkingParams(Params):
    parking = Exten(required=True)
    destId = Exten(required=True)


async def pickup_parking(ctx: Context, params: dict) -> dict:
    ctx.require_permission(PARKINGS, AD_PARKING)
    dest = params["destId"]
    ctx.require_own(dest, AD_PARKING, field="destId")
    ctx.extension(dest, field="destId")
    channel = parked_channel(ctx, params["parking"])
    await redirect(ctx, channel, dest, ctx.context_of(dest))
    return {"redirected": channel, "to": dest}


class ParkingTransferParams(Params):
    parking = Exten(required=True)
    to = Number(required=True)


async def blindtransfer_parking(ctx: Context, params: dict) -> dict:
    ctx.require_permission(TRANSFER)
    channel = parked_channel(ctx, params["parking"])
    await redirect(ctx, channel, params["to"], ctx.user_context())
    return {"redirected": channel, "to": params["to"]}


# ------------------------------------------------------------------ pickup and queues


class PickupConvParams(Params):
    endpointId = Exten(required=True)
    destId = Exten(required=True)


async def pickup_conv(ctx: Context, params: dict) -> dict:
    ctx.require_permission(PICKUP)
    dest, ringing = params["destId"], params["endpointId"]
    ctx.require_own(dest, field="destId")
    ctx.extension(ringing)
    code = ctx.statics.feature_codes.get("pickup")
    if not code:
        raise ServiceUnavailable("No pickup feature code is configured ([astproxy.feature_codes] pickup)")
    # the picking phone rings first, then dials <pickup code><ringing extension>
    return await originate_call(ctx, dest, code + ringing)


class PickupWaitingParams(Params):
    queue = Exten(required=True)
    waitCallerId = ChannelName(required=True)
    destId = Exten(required=True)


async def pickup_qwaitcaller(ctx: Context, params: dict) -> dict:
    ctx.require_permission(PICKUP)
    dest = params["destId"]
    ctx.require_own(dest, field="destId")
    ctx.extension(dest, field="destId")
    channel = waiting_channel(ctx, params["queue"], params["waitCallerId"], "waitCallerId")
    await redirect(ctx, channel, dest, ctx.context_of(dest))
    return {"redirected": channel, "to": dest}


class QueueTransferParams(Params):
    queue = Exten(required=True)
    waitingCallerId = ChannelName(required=True)
    to = Number(required=True)


async def blindtransfer_queue(ctx: Context, params: dict) -> dict:
    qid = params["queue"]
    if not ctx.user.can(TRANSFER) and qid not in ctx.astproxy.qmanager_queues(ctx.user):
        raise OperationForbidden(details={"permission": f"{TRANSFER} or qmanager.qmanager_{qid}"})
    channel = waiting_channel(ctx, qid, params["waitingCallerId"], "waitingCallerId")
    await redirect(ctx, channel, params["to"], ctx.user_context())
    return {"redirected": channel, "to": params["to"]}


OPERATIONS = (
    Operation("park", ParkParams, park, answers.Parked),
    Operation("pickup_parking", PickupParkingParams, pickup_parking, answers.Redirected),
    Operation("pickup_conv", PickupConvParams, pickup_conv, answers.Originated),
    Operation("pickup_qwaitcaller", PickupWaitingParams, pickup_qwaitcaller, answers.Redirected),
    Operation("atxfer", TransferParams, atxfer, answers.Transferring),
    Operation("blindtransfer", TransferParams, blindtransfer, answers.BlindTransferred),
    Operation("blindtransfer_queue", QueueTransferParams, blindtransfer_queue, answers.Redirected),
    Operation("blindtransfer_parking", ParkingTransferParams, blindtransfer_parking, answers.Redirected),
    Operation("txfer_tovm", VoicemailParams, txfer_tovm, answers.ToVoicemail),
    Operation("op_wait_conv", WaitParams, op_wait_conv, answers.ToQueue),
)
