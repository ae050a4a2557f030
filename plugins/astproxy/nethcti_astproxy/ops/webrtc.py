"""WebRTC phones (phone-island) and NethLink are driven through the user's socket.io clients, not through AMI."""

from __future__ import annotations

from typing import Any

from nethcti import ServerEvent
from nethcti.errors import Conflict, ServiceUnavailable
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, Operation, Params

WEBRTC = "webrtc"


class NotAWebrtcExtension(Conflict):
    error_id, message = "not-a-webrtc-extension", "The extension is not a WebRTC phone"


class ExtensionOffline(Conflict):
    error_id, message = "extension-offline", "The extension is not connected"


class NoClients(ServiceUnavailable):
    error_id, message = "no-websocket", "The user's clients cannot be reached (the websocket plugin is off)"


def device_type(ctx: Context, exten: str) -> str | None:
    """``physical``, ``webrtc`` or ``mobile``, as users.json types the extension; None when nobody has it."""
    owner = ctx.astproxy.users.by_extension(exten)
    device = owner.extension(exten) if owner is not None else None
    return device.type if device is not None else None


async def to_caller(ctx: Context, event: str, payload: Any) -> None:
    if not await ctx.astproxy.phones.to_user(ctx.user.username, event, payload):
        raise NoClients(details={"event": event})


# ------------------------------------------------------------------ answer_webrtc


class EndpointParams(Params):
    endpointId = Exten(required=True)


async def answer_webrtc(ctx: Context, params: dict) -> dict:
    """The user's phone-island answers the call ringing on it (socket.io ``answerWebrtc``)."""
    exten = params["endpointId"]
    ctx.require_own(exten)  # as the original: presence_panel.ad_phone does not answer someone else's island
    ctx.extension(exten)
    if device_type(ctx, exten) != WEBRTC:
        raise NotAWebrtcExtension(f"Extension {exten} is not a WebRTC phone", {"endpointId": exten})
    await to_caller(ctx, "answerWebrtc", exten)
    return {"exten": exten, "sent": "answerWebrtc"}


# ------------------------------------------------------------------ click-to-call


async def call_webrtc(ctx: Context, exten: str, number: str) -> dict | None:
    """A call from a WebRTC extension: the caller's phone-island places it (socket.io ``callWebrtc`` with the
    number), as the original; None when ``exten`` is not a WebRTC phone (the call is made another way)."""
    if device_type(ctx, exten) != WEBRTC:
        return None
    ext = ctx.extension(exten)
    if ext.status == "offline":
        raise ExtensionOffline(f"Extension {exten} is {ext.status}", {"endpointId": exten})
    await to_caller(ctx, "callWebrtc", number)
    return {"exten": exten, "number": number, "sent": "callWebrtc"}


async def call_nethlink(ctx: Context, url: str) -> dict:
    """Cloud click-to-call (``click_to_call = "cloud"``): the phone is on the user's LAN, out of the server's
    reach; NethLink, on the same LAN, opens the phone's URL (socket.io ``actionNethLink (url, "call")``)."""
    if ctx.astproxy.phones.emit is None:
        raise NoClients(details={"event": "actionNethLink"})
    await ctx.astproxy.phones.emit("actionNethLink", (url, "call"), ctx.user.username)
    return {"sent": "actionNethLink"}


OPERATIONS = (
    Operation("answer_webrtc", EndpointParams, answer_webrtc, answers.WebrtcAnswered),
)

# What these operations emit (the plugin's ``socketio_events``, listed in /openapi.json)
SERVER_EVENTS = (
    ServerEvent("answerWebrtc", "every socket of the caller of POST /astproxy/answer_webrtc", {"type": "string"},
                "the WebRTC extension whose ringing call phone-island answers"),
    ServerEvent("callWebrtc", "every socket of the caller of POST /astproxy/call whose default device is WebRTC",
                {"type": "string"}, "the number phone-island calls"),
    ServerEvent("actionNethLink", "every socket of the caller of POST /astproxy/call (click_to_call = \"cloud\")",
                {"type": "array", "prefixItems": [{"type": "string"}, {"const": "call"}]},
                "two arguments: the phone's URL, which NethLink opens on the phone's LAN, and \"call\""),
)
