"""Operations: an extension's ConfBridge room ``<confbridge_conf code><owner>`` — start, join, mute, hang up, end."""

from __future__ import annotations

from marshmallow import fields, validate

from nethcti.errors import NotFound, ServiceUnavailable
from nethcti_astproxy.errors import NotYourExtension
from nethcti_astproxy.objects import Conference, ConferenceUser
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import (
    Context,
    ConvId,
    Exten,
    Flag,
    NoSuchConference,
    NoSuchConversation,
    Operation,
    Params,
)


class NoSuchConferenceUser(NotFound):
    error_id, message = "no-such-conference-user", "No such user in the conference"


class NoConferenceCode(ServiceUnavailable):
    error_id, message = "no-conference-code", "No conference feature code (confbridge_conf) is configured"


class StartParams(Params):
    convid = ConvId(required=True)
    addEndpointId = Exten(required=True)  # the party joining (informative: the conversation says who it is)
    ownerEndpointId = Exten(required=True)
    site = fields.String(load_default=None)  # remote sites: not supported, ignored


class JoinParams(Params):
    endpointId = Exten(required=True)


class EndParams(Params):
    confId = Exten(required=True)


def user_id_field() -> fields.String:
    """``userId``: ``<confId>-<ext>`` as the conference JSON names users, or the bare extension."""
    return fields.String(required=True, validate=validate.Regexp(r"^[\w*#+.-]{1,160}$", error="Not a valid id"))


class MuteParams(Params):
    confId = Exten(required=True)
    userId = user_id_field()
    direction = fields.String(load_default="in", validate=validate.OneOf(["in", "out", "all"]))


class UnmuteParams(Params):
    confId = Exten(required=True)
    userId = user_id_field()
    onlyListen = Flag(load_default=False)


class HangupUserParams(Params):
    confId = Exten(required=True)
    extenId = Exten(required=True)


def room_of(ctx: Context, owner: str) -> str:
    code = ctx.statics.confbridge_code
    if not code:  # the room would be the extension's own number: its phone would ring
        raise NoConferenceCode()
    return code + owner


def conference_of(ctx: Context, conf_id: str) -> Conference:
    ctx.astproxy.current()
    conf = ctx.astproxy.conference(conf_id)
    if conf is None:
        raise NoSuchConference(f"No conference {conf_id}", {"confId": conf_id})
    return conf


def user_exten(conf_id: str, user_id: str) -> str:
    """The extension a ``userId`` names."""
    prefix = f"{conf_id}-"
    return user_id[len(prefix):] if user_id.startswith(prefix) else user_id


def user_of(conf: Conference, exten: str, field: str) -> ConferenceUser:
    user = conf.users.get(exten)
    if user is None:
        raise NoSuchConferenceUser(f"{exten} is not in conference {conf.id}", {field: exten})
    return user


async def start_conf(ctx: Context, params: dict) -> dict:
    """Move the conversation into the owner's room: both parties, or only the other one when the owner is
    already there (the owner's leg of this conversation then ends)."""
    owner = params["ownerEndpointId"]
    ctx.require_own(owner, field="ownerEndpointId")
    ref = ctx.conversation(owner, params["convid"])
    other = ref.counterpart
    if other is None:
        raise NoSuchConversation(f"Conversation {ref.id} of {owner} has no other party", {"convid": ref.id})
    room, context = room_of(ctx, owner), ctx.context_of(owner)
    conf = ctx.astproxy.conference(owner)
    action = {"Action": "Redirect", "Channel": other.name, "Context": context, "Exten": room, "Priority": 1}
    if conf is not None and owner in conf.users:
        moved = [other.name]
    else:  # one dual Redirect: the two leave their bridge together, so neither is hung up
        moved = [other.name, ref.channel.name]
        action |= {"ExtraChannel": ref.channel.name, "ExtraContext": context, "ExtraExten": room, "ExtraPriority": 1}
    await ctx.ami.send_action(action)
    return {"confId": owner, "room": room, "added": params["addEndpointId"], "moved": moved}


async def join_myconf(ctx: Context, params: dict) -> dict:
    """Ring the caller's phone; answered, it joins its own room (as owner)."""
    exten = params["endpointId"]
    ctx.require_own(exten)
    room = room_of(ctx, exten)
    await ctx.ami.originate(ctx.dial_string(exten), exten=room, context=ctx.context_of(exten), caller_id=exten)
    return {"confId": exten, "room": room, "calling": exten}


async def end_conf(ctx: Context, params: dict) -> dict:
    conf_id = params["confId"]
    ctx.require_own(conf_id, field="confId")
    conf = conference_of(ctx, conf_id)
    users = list(conf.users.values())
    for user in users:  # raw: a participant who hangs up meanwhile is not an error
        await ctx.ami.send_action({"Action": "Hangup", "Channel": user.channel}, raw=True)
    return {"confId": conf_id, "hungup": sorted(u.exten for u in users)}


def may_handle_user(ctx: Context, conf_id: str, exten: str) -> None:
    """The conference's owner, or the participant themself."""
    if not (ctx.user.owns_extension(conf_id) or ctx.user.owns_extension(exten)):
        raise NotYourExtension(f"Neither conference {conf_id} nor {exten} is one of yours", {"confId": conf_id})


async def mute_userconf(ctx: Context, params: dict) -> dict:
    """``in`` (default): the others stop hearing the user (ConfBridge mute, seen by clients as ``muted``);
    ``out``: the user stops hearing the others; ``all``: both."""
    conf_id, direction = params["confId"], params["direction"]
    exten = user_exten(conf_id, params["userId"])
    may_handle_user(ctx, conf_id, exten)
    conf = conference_of(ctx, conf_id)
    user = user_of(conf, exten, "userId")
    if direction in ("in", "all"):
        await ctx.ami.send_action({"Action": "ConfbridgeMute", "Conference": conf.room, "Channel": user.channel})
    if direction in ("out", "all"):
        await ctx.ami.send_action({"Action": "MuteAudio", "Channel": user.channel, "Direction": "out", "State": "on"})
    return {"confId": conf_id, "userId": f"{conf_id}-{exten}", "extenId": exten, "muted": direction}


async def unmute_userconf(ctx: Context, params: dict) -> dict:
    """All directions; only the user's hearing with ``onlyListen``."""
    conf_id, only_listen = params["confId"], params["onlyListen"]
    exten = user_exten(conf_id, params["userId"])
    may_handle_user(ctx, conf_id, exten)
    conf = conference_of(ctx, conf_id)
    user = user_of(conf, exten, "userId")
    if not only_listen:
        await ctx.ami.send_action({"Action": "ConfbridgeUnmute", "Conference": conf.room, "Channel": user.channel})
    await ctx.ami.send_action({"Action": "MuteAudio", "Channel": user.channel,
                               "Direction": "out" if only_listen else "all", "State": "off"})
    return {"confId": conf_id, "userId": f"{conf_id}-{exten}", "extenId": exten,
            "unmuted": "out" if only_listen else "all"}


async def hangup_userconf(ctx: Context, params: dict) -> dict:
    conf_id, exten = params["confId"], params["extenId"]
    ctx.require_own(conf_id, field="confId")
    user = user_of(conference_of(ctx, conf_id), exten, "extenId")
    await ctx.ami.send_action({"Action": "Hangup", "Channel": user.channel})
    return {"confId": conf_id, "extenId": exten, "hungup": user.channel}


OPERATIONS = (
    Operation("start_conf", StartParams, start_conf, answers.ConfStarted),
    Operation("join_myconf", JoinParams, join_myconf, answers.ConfJoining),
    Operation("end_conf", EndParams, end_conf, answers.ConfEnded),
    Operation("mute_userconf", MuteParams, mute_userconf, answers.ConfUserMuted),
    Operation("unmute_userconf", UnmuteParams, unmute_userconf, answers.ConfUserUnmuted),
    Operation("hangup_userconf", HangupUserParams, hangup_userconf, answers.ConfUserHungUp),
)
