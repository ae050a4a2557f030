"""Operations on a desk phone: answer, hold, tones, mute, cancel, reload — SIP NOTIFY or the vendor's HTTP API."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_load, validate

from nethcti.errors import APIError, Conflict
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import (
    Context,
    ConvId,
    Exten,
    NoSuchConversation,
    Operation,
    Params,
    extension_endpoint_type,
)
from nethcti_astproxy.ops.webrtc import call_nethlink
from nethcti_astproxy.phones import PhoneRequestError

AD_PHONE = "presence_panel.ad_phone"
HANGUP = "presence_panel.hangup"
TONES = "0123456789*#"


class PhoneNotSupported(Conflict):
    error_id, message = "phone-not-supported", "The phone of the extension takes no remote commands"


class PhoneRequestFailed(APIError):
    status_code, error_id, message = 502, "phone-request-failed", "The phone did not do what was asked"


async def notify(ctx: Context, exten: str, event: str) -> None:
    """An out-of-dialog SIP NOTIFY ``Event: <event>`` to every contact of the extension."""
    await ctx.ami.send_action({"Action": "PJSIPNotify", "Endpoint": exten, "Variable": f"Event={event}"})


async def command_phone(ctx: Context, exten: str, notify_event: str, url_action: str, **values: str) -> dict[str, Any]:
    """What the phone of ``exten`` understands: NOTIFY when its user agent is listed in ``notify_user_agents``,
    else its vendor URL from phone_urls.json; 409 phone-not-supported for neither."""
    ext = ctx.extension(exten)
    phones = ctx.astproxy.phones
    if phones.takes_notify(ext.useragent):
        await notify(ctx, exten, notify_event)
        return {"exten": exten, "sent": "notify", "event": notify_event}
    template = phones.url_template(ext.useragent, url_action)
    if template is None:
        raise PhoneNotSupported(f"The phone of {exten} ({ext.useragent or 'no user agent'}) cannot {url_action} "
                                "remotely", {"endpointId": exten})
    owner = ctx.astproxy.users.by_extension(exten)
    try:
        url = phones.phone_url(template, ext.ip, owner.extension(exten) if owner else None, exten, **values)
        status = await phones.get(url)
    except PhoneRequestError as exc:
        raise PhoneRequestFailed(f"The phone of {exten}: {exc}", {"endpointId": exten}) from None
    return {"exten": exten, "sent": "http", "phoneRespStatusCode": status}


# ------------------------------------------------------------------ answer, toggle_hold


class AnswerParams(Params):
    endpointId = Exten(required=True)
    endpointType = extension_endpoint_type(load_default="extension")


async def answer(ctx: Context, params: dict) -> dict:
    exten = params["endpointId"]
    ctx.require_own(exten, AD_PHONE)
    return await command_phone(ctx, exten, "talk", "answer")


class HoldParams(Params):
    endpointId = Exten(required=True)
    convid = ConvId(load_default=None)  # phone-island sends it; the phone holds its current call


async def toggle_hold(ctx: Context, params: dict) -> dict:
    exten = params["endpointId"]
    ctx.require_own(exten)
    if params["convid"] is not None:
        ctx.conversation(exten, params["convid"])
    elif not ctx.extension(exten).channels:
        raise NoSuchConversation(f"Extension {exten} is in no call", {"endpointId": exten})
    return await command_phone(ctx, exten, "hold", "hold_unhold")


# ------------------------------------------------------------------ dtmf


class DtmfParams(Params):
    endpointId = Exten(required=True)
    tone = fields.String(required=True, validate=validate.OneOf(list(TONES), error="One of 0-9, * and #"))
    convid = ConvId(load_default=None)  # none: the extension's one call in progress

    @pre_load
    def _tone_as_text(self, data, **_kwargs):  # phone-island sends "5"; a digit as a JSON number is fine too
        if isinstance(data, dict) and isinstance(data.get("tone"), int) and not isinstance(data["tone"], bool):
            data = {**data, "tone": str(data["tone"])}
        return data


async def dtmf(ctx: Context, params: dict) -> dict:
    """The tone is played to whoever the extension talks with (PlayDTMF on the other party's channel), as if
    the phone's key had been pressed: an IVR or a door phone at the other end hears it, whatever the phone."""
    exten = params["endpointId"]
    ctx.require_own(exten)
    if params["convid"] is not None:
        ref = ctx.conversation(exten, params["convid"])
        other = ref.counterpart
    else:
        ext = ctx.extension(exten)
        other = next((peer for ch in ext.channels.values() if (peer := ctx.astproxy.peer(ch)) is not None), None)
    if other is None:
        raise NoSuchConversation(f"Extension {exten} talks with nobody", {"convid": params["convid"]})
    await ctx.ami.send_action({"Action": "PlayDTMF", "Channel": other.name, "Digit": params["tone"]})
    return {"exten": exten, "channel": other.name, "tone": params["tone"]}


# ------------------------------------------------------------------ toggle_mute, cancel


class ConvParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)


async def toggle_mute(ctx: Context, params: dict) -> dict:
    """phone-island's mute button for a desk phone: the body says neither on nor off, so nethcti remembers."""
    exten = params["endpointId"]
    ctx.require_own(exten)
    ref = ctx.conversation(exten, params["convid"])
    muted = ctx.astproxy.phones.muted
    muted.intersection_update(ctx.astproxy.current().channels)  # forget the channels that hung up
    name = ref.channel.name
    if name in muted:
        await ctx.ami.send_action({"Action": "MuteAudio", "Channel": name, "Direction": "all", "State": "off"})
        muted.discard(name)
        return {"convid": ref.id, "channel": name, "muted": False}
    await ctx.ami.send_action({"Action": "MuteAudio", "Channel": name, "Direction": "in", "State": "on"})
    muted.add(name)
    return {"convid": ref.id, "channel": name, "muted": True}


class CancelParams(Params):
    endpointId = Exten(required=True)
    convid = fields.String(load_default=None)  # phone-island sends "" here: there is no conversation yet
    endpointType = extension_endpoint_type(load_default="extension")


async def cancel(ctx: Context, params: dict) -> dict:
    """phone-island's hang-up of a call not answered yet (its desk phone rings for a click-to-call, or calls
    out): every channel of the extension not up in a conversation is hung up."""
    exten = params["endpointId"]
    ctx.require_own(exten, HANGUP)
    ext = ctx.extension(exten)
    pending = [ch.name for ch in ext.channels.values()
               if ch.status != "up" or (peer := ctx.astproxy.peer(ch)) is None or peer.status != "up"]
    if not pending:
        raise NoSuchConversation(f"Extension {exten} has no call being set up", {"endpointId": exten})
    for name in pending:  # one that ended meanwhile answers "No such channel": nothing left to do
        await ctx.ami.send_action({"Action": "Hangup", "Channel": name}, raw=True)
    return {"hungup": pending}


# ------------------------------------------------------------------ phone_reload


class ReloadParams(Params):
    exten = Exten(required=True)


async def phone_reload(ctx: Context, params: dict) -> dict:
    """The phone fetches its provisioning again (SIP NOTIFY ``Event: check-sync``, which every desk phone
    vendor supports); the original asked FreePBX's REST API to do the same."""
    exten = params["exten"]
    ctx.require_own(exten, field="exten")
    ctx.extension(exten, field="exten")
    await notify(ctx, exten, "check-sync")
    return {"exten": exten, "reloading": True}


OPERATIONS = (
    Operation("answer", AnswerParams, answer, answers.PhoneCommanded),
    Operation("toggle_hold", HoldParams, toggle_hold, answers.PhoneCommanded),
    Operation("dtmf", DtmfParams, dtmf, answers.Dtmf),
    Operation("toggle_mute", ConvParams, toggle_mute, answers.MuteToggled),
    Operation("cancel", CancelParams, cancel, answers.HungUpAll),
    Operation("phone_reload", ReloadParams, phone_reload, answers.Reloading),
)


async def call_through_phone(ctx: Context, exten: str, number: str) -> dict | None:
    """Click-to-call on the phone's HTTP API (``click_to_call``: the original's auto_c2c): ``enabled``, the
    server GETs the phone's ``call`` URL; ``cloud``, NethLink on the user's LAN does. None when the phone has
    no such URL, click-to-call is off or the phone failed: the call is then an AMI Originate."""
    phones = ctx.astproxy.phones
    if phones.click_to_call == "disabled":
        return None
    ext = ctx.extension(exten)
    template = phones.url_template(ext.useragent, "call")
    if template is None:
        return None
    owner = ctx.astproxy.users.by_extension(exten)
    try:
        url = phones.phone_url(template, ext.ip, owner.extension(exten) if owner else None, exten, NUMBER=number)
        if phones.click_to_call == "cloud":
            return await call_nethlink(ctx, url)
        status = await phones.get(url)
    except PhoneRequestError:
        return None  # as the original: any failure falls back to the Originate
    return {"exten": exten, "number": number, "phoneRespStatusCode": status}
