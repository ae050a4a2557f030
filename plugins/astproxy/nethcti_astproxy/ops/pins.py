"""Operation: the outbound-route PIN of one of the caller's phones (NethVoice's ``pin`` table, ``pins.py``)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, Operation, Params


def pin_store(ctx: Context) -> Any:
    return ctx.astproxy.pins


async def read_pins(ctx: Context) -> dict | list:
    """GET /astproxy/pin: the PINs of the caller's phones (WebRTC devices have none), as the original:
    ``{}`` for a user without phones, ``[]`` when none of them has a PIN."""
    phones = {exten for exten in ctx.user.extension_ids
              if (device := ctx.user.extension(exten)) is None or device.type != "webrtc"}
    if not phones:
        return {}
    return await pin_store(ctx).pins(phones) or []


async def read_status(ctx: Context) -> dict:
    """GET /astproxy/pinstatus: ``{"enabled": true}`` when some outbound route asks for a PIN."""
    return {"enabled": await pin_store(ctx).enabled()}


class PinParams(Params):
    extension = Exten(required=True)
    pin = fields.String(required=True, validate=validate.Regexp(r"[0-9]{1,20}\Z", error="Only digits, at most 20"))
    enabled = fields.Boolean(required=True)  # true, false, "true", "false"


async def set_pin(ctx: Context, params: dict) -> dict:
    exten = params["extension"]
    ctx.require_own(exten, field="extension")
    await pin_store(ctx).set_pin(exten, params["pin"], params["enabled"])
    return {"extension": exten, "pin": params["pin"], "enabled": params["enabled"]}


OPERATIONS = (Operation("pin", PinParams, set_pin, answers.PinSet),)
