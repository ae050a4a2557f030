"""Operations on calls: place one (``call``, ``call_echo``), end one (``hangup``…), mute, recall on busy."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from nethcti_astproxy.errors import NotYourExtension
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import (
    ChannelName,
    Context,
    ConvId,
    Exten,
    NoSuchConversation,
    Number,
    Operation,
    Params,
    RecallOnBusyDisabled,
    extension_endpoint_type,
    normalize_number,
    one_of,
)
from nethcti_astproxy.ops.phones import call_through_phone
from nethcti_astproxy.ops.webrtc import call_webrtc

AD_PHONE = "presence_panel.ad_phone"
HANGUP = "presence_panel.hangup"
ECHO_TEST = "*43"  # the original's getEchoCallDestination
NOWHERE = "xyzw"  # an extension no dialplan has: a channel redirected there is hung up
RING_TIMEOUT = 15.0  # s, the original's Originate Timeout


async def originate_call(ctx: Context, exten: str, number: str) -> dict[str, Any]:
    """Ring extension ``exten`` and, once it answers, dial ``number`` from it; the original's AMI call."""
    result = await ctx.ami.originate(
        ctx.dial_string(exten), exten=number, context=ctx.context_of(exten), caller_id=exten, account=number,
        ring_timeout=RING_TIMEOUT, wait=True,
    )
    return {"uniqueid": result.get("Uniqueid")}


# ------------------------------------------------------------------ call, call_echo


class CallParams(Params):
    number = Number(required=True)
    endpointId = Exten(load_default=None)
    endpointType = fields.String(load_default=None, validate=validate.OneOf(["extension", "cellphone"]))

    @pre_load
    def _as_phone_island_sends_it(self, data, **_kwargs):
        """phone-island's call button sends ``{"endpointId": "", "endpointTpe": "extension", "number"}`` (sic; some
        versions ``to``): no endpoint means the user's default device, as in the original, which never reads
        the misspelt key. An empty cellphone or an unknown type is still refused."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "endpointType" not in data and "endpointTpe" in data:
            data["endpointType"] = data.pop("endpointTpe")
        if "number" not in data and "to" in data:
            data["number"] = data.pop("to")
        if data.get("endpointId") in ("", None) and data.get("endpointType") in ("", None, "extension"):
            data.pop("endpointId", None)
            data.pop("endpointType", None)
        return data

    @validates_schema
    def _endpoint_id_with_type(self, data, **_kwargs):
        one_of("endpointId", "endpointType")(data)


async def call(ctx: Context, params: dict) -> dict:
    number = ctx.add_prefix(params["number"])
    if params["endpointType"] == "cellphone":
        return await call_from_cellphone(ctx, params["endpointId"], number)
    exten = params["endpointId"] or ctx.default_extension()
    ctx.require_own(exten, AD_PHONE)
    # the default device, a WebRTC phone, places the call itself; a desk phone may through its HTTP API; else AMI
    # rings the phone first (a WebRTC phone named in endpointId too: phone-island answers the Originate)
    return ((params["endpointId"] is None and await call_webrtc(ctx, exten, number))
            or await call_through_phone(ctx, exten, number) or await originate_call(ctx, exten, number))


async def call_from_cellphone(ctx: Context, cellphone: str, number: str) -> dict[str, Any]:
    """Ring the user's cellphone through the dialplan (a Local channel), then dial ``number`` from it."""
    if cellphone not in ctx.user.cellphones and not ctx.user.can(AD_PHONE):
        raise NotYourExtension(f"Cellphone {cellphone} is not one of yours", {"endpointId": cellphone})
    try:
        dialable = normalize_number(cellphone)
    except ValueError:
        raise ValidationError("Not a phone number", "endpointId") from None
    ctx.astproxy.current()
    context = ctx.user_context()
    result = await ctx.ami.originate(
        f"Local/{dialable}@{context}", exten=number, context=context, caller_id=dialable, account=number,
        ring_timeout=RING_TIMEOUT, wait=True,
    )
    return {"uniqueid": result.get("Uniqueid")}


class EndpointParams(Params):
    endpointId = Exten(required=True)


async def call_echo(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"])
    return await originate_call(ctx, params["endpointId"], ECHO_TEST)


# ------------------------------------------------------------------ hangup


class ConversationParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)


async def hangup(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"], HANGUP)
    ref = ctx.conversation(params["endpointId"], params["convid"])
    await ctx.ami.send_action({"Action": "Hangup", "Channel": ref.channel.name})
    return {"hungup": ref.channel.name}


class ChannelParams(Params):
    channel = ChannelName(required=True)
    endpointId = Exten(required=True)
    endpointType = extension_endpoint_type(load_default="extension")


async def hangup_channel(ctx: Context, params: dict) -> dict:
    exten, name = params["endpointId"], params["channel"]
    ctx.require_own(exten, HANGUP)
    ext = ctx.extension(exten)
    # a channel of the extension or one it talks to: the original hung up whatever channel was named
    ends = set(ext.channels) | {peer.name for ch in ext.channels.values() if (peer := ctx.astproxy.peer(ch))}
    if name not in ends:
        raise NoSuchConversation(f"Extension {exten} has no call on channel {name}", {"channel": name})
    await ctx.ami.send_action({"Action": "Hangup", "Channel": name})
    return {"hungup": name}


class MainExtenParams(Params):
    exten = Exten(required=True)


async def hangup_mainexten(ctx: Context, params: dict) -> dict:
    exten = params["exten"]
    ctx.require_own(exten, HANGUP, field="exten")
    ctx.extension(exten, field="exten")
    owner = ctx.astproxy.users.by_extension(exten)
    extens = sorted(owner.extension_ids) if owner is not None else [exten]
    names = [name for e in extens if (ext := ctx.astproxy.extension(e)) is not None for name in list(ext.channels)]
    for name in names:  # one that hung up meanwhile answers "No such channel": nothing left to do
        await ctx.ami.send_action({"Action": "Hangup", "Channel": name}, raw=True)
    return {"hungup": names}


class ForceHangupParams(ConversationParams):
    endpointType = extension_endpoint_type(load_default="extension")


async def force_hangup(ctx: Context, params: dict) -> dict:
    # the original checked nothing here: anyone could end anyone's call
    ctx.require_own(params["endpointId"], HANGUP)
    ref = ctx.conversation(params["endpointId"], params["convid"])
    target = ref.dest or ref.source
    await ctx.ami.send_action({"Action": "Redirect", "Channel": target.name, "Context": ctx.user_context(),
                               "Exten": NOWHERE, "Priority": 1})
    return {"hungup": target.name}


# ------------------------------------------------------------------ mute


async def mute(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"])
    ref = ctx.conversation(params["endpointId"], params["convid"])
    await ctx.ami.send_action({"Action": "MuteAudio", "Channel": ref.channel.name, "Direction": "in", "State": "on"})
    return {"muted": ref.channel.name, "direction": "in"}


async def unmute(ctx: Context, params: dict) -> dict:
    ctx.require_own(params["endpointId"])
    ref = ctx.conversation(params["endpointId"], params["convid"])
    await ctx.ami.send_action({"Action": "MuteAudio", "Channel": ref.channel.name, "Direction": "all",
                               "State": "off"})
    return {"unmuted": ref.channel.name}


# ------------------------------------------------------------------ recall on busy


class RecallParams(Params):
    caller = Exten(required=True)
    called = Exten(required=True)


async def recall_on_busy(ctx: Context, params: dict) -> dict:
    caller, called = params["caller"], params["called"]
    ctx.require_own(caller, field="caller")
    if not ctx.astproxy.recall_on_busy_enabled(ctx.user):
        raise RecallOnBusyDisabled(details={"caller": caller})
    ctx.extension(called, field="called")
    replies = await ctx.ami.send_list_action({"Action": "DBGet", "Family": "ROB", "Key": called}, raw=True)
    value = next((r.get("Val") or "" for r in replies if r.get("Event") == "DBGetResponse"), "")
    waiting = [e for e in value.split("&") if e]
    if caller not in waiting:  # the original appended it again, so it was called back twice
        waiting.append(caller)
        await ctx.ami.send_action({"Action": "DBPut", "Family": "ROB", "Key": called, "Val": "&".join(waiting)})
    return {"waitingExtensions": len(waiting)}


OPERATIONS = (
    Operation("call", CallParams, call, answers.CallPlaced),
    Operation("call_echo", EndpointParams, call_echo, answers.Originated),
    Operation("hangup", ConversationParams, hangup, answers.HungUp),
    Operation("hangup_channel", ChannelParams, hangup_channel, answers.HungUp),
    Operation("hangup_mainexten", MainExtenParams, hangup_mainexten, answers.HungUpAll),
    Operation("force_hangup", ForceHangupParams, force_hangup, answers.HungUp),
    Operation("mute", ConversationParams, mute, answers.Muted),
    Operation("unmute", ConversationParams, unmute, answers.Unmuted),
    Operation("recall_on_busy", RecallParams, recall_on_busy, answers.RecallQueued),
)
