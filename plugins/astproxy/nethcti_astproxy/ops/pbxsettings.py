"""Operations: per-extension settings in AstDB, call waiting (``CW``) and call forwards (``CF``, ``CFB``, ``CFU``)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from nethcti.errors import ServiceUnavailable
from nethcti_astproxy.answers import CW
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, Number, OnOff, Operation, Params

FORWARD = "settings.call_forward"  # what presence asks for a forward, too
CF_FAMILIES = {"unconditional": "CF", "busy": "CFB", "unavailable": "CFU"}  # the original's CF_TYPES
VOICEMAIL_PREFIXES = ("vmu", "*")  # CF/<ext> = vmu<box> (or FreePBX's *<box>): to a voicemail box
CW_ENABLED = "ENABLED"  # FreePBX's CW/<ext> value


class ForwardsUnavailable(ServiceUnavailable):
    error_id, message = "call-forward-unavailable", "Call forwards are set through the presence plugin, not enabled"


async def db_get(ctx: Context, family: str, key: str) -> str | None:
    """AstDB ``family/key`` now (None: no such key)."""
    replies = await ctx.ami.send_list_action({"Action": "DBGet", "Family": family, "Key": key}, raw=True)
    return next((str(r.get("Val", "")) for r in replies if r.get("Event") == "DBGetResponse"), None)


def own_extension(ctx: Context, exten: str, field: str = "endpoint") -> str:
    ctx.require_own(exten, field=field)
    ctx.extension(exten, field=field)
    return exten


# ------------------------------------------------------------------ call waiting


async def read_cw(ctx: Context, exten: str) -> dict[str, Any]:
    """``{"exten", "cw": "on"|"off"}``: CW/<ext> as AstDB has it (the dialplan's test: the key exists)."""
    own_extension(ctx, exten)
    enabled = await db_get(ctx, "CW", exten) is not None
    return {"exten": exten, "cw": "on" if enabled else "off"}


class CwParams(Params):
    endpoint = Exten(required=True)
    status = OnOff(required=True)


async def set_cw(ctx: Context, params: dict) -> dict:
    exten = own_extension(ctx, params["endpoint"])
    if params["status"] == "on":
        await ctx.ami.send_action({"Action": "DBPut", "Family": "CW", "Key": exten, "Val": CW_ENABLED})
    else:  # raw: a key that is not there is call waiting off already
        await ctx.ami.send_action({"Action": "DBDel", "Family": "CW", "Key": exten}, raw=True)
    return {"exten": exten, "cw": params["status"]}


# ------------------------------------------------------------------ call forwards


def is_voicemail(value: str) -> bool:
    return value.startswith(VOICEMAIL_PREFIXES)


def voicemail_box(value: str) -> str:
    return value[3:] if value.startswith("vmu") else value[1:]


def forward_json(exten: str, kind: str, value: str | None) -> dict[str, Any]:
    """What GET/POST cfcall and cfvm answer for ``value`` (the AstDB value; None: no forward)."""
    if value is None or is_voicemail(value) != (kind == "cfvm"):
        return {"exten": exten, "status": "off"}
    return {"exten": exten, "status": "on", "to": voicemail_box(value) if kind == "cfvm" else value}


def forward_check(ctx: Context, exten: str, field: str = "endpoint") -> None:
    ctx.require_permission(FORWARD)
    own_extension(ctx, exten, field)


async def read_forward(ctx: Context, kind: str, cf_type: str, exten: str) -> dict[str, Any]:
    """GET cfcall / cfvm ``/<type>/<endpoint>``: the forward of that type, read from AstDB."""
    if cf_type not in CF_FAMILIES:
        raise ValidationError({"type": [f"Must be one of: {', '.join(CF_FAMILIES)}."]})
    forward_check(ctx, exten)
    return forward_json(exten, kind, await db_get(ctx, CF_FAMILIES[cf_type], exten))


class ForwardParams(Params):
    endpoint = Exten(required=True)
    type = fields.String(required=True, validate=validate.OneOf(list(CF_FAMILIES)))
    status = OnOff(required=True)

    @validates_schema
    def to_when_on(self, data, **kwargs):
        if data.get("status") == "on" and not data.get("to"):
            raise ValidationError("Required when status is on", "to")


class CfCallParams(ForwardParams):
    to = Number(load_default=None)


class CfVmParams(ForwardParams):
    to = Exten(load_default=None, validate=validate.Regexp(r"[0-9]{1,20}\Z", error="Not a voicemail box"))


async def write_forward(ctx: Context, exten: str, family: str, value: str | None) -> None:
    """One AstDB forward write through the presence service: one change per user at a time, the model and
    the user's presence announced as when the user sets a presence."""
    presence = ctx.astproxy.forward_writer()
    if presence is None:
        raise ForwardsUnavailable()
    async with presence.changing(ctx.user):
        await presence.write(exten, family, value)


def forward_operation(kind: str):
    async def run(ctx: Context, params: dict) -> dict:
        exten, family = params["endpoint"], CF_FAMILIES[params["type"]]
        forward_check(ctx, exten)
        if params["status"] == "on":
            value = "vmu" + params["to"] if kind == "cfvm" else params["to"]
            await write_forward(ctx, exten, family, value)
        else:
            current = await db_get(ctx, family, exten)
            # off: only the forward of this kind (cfvm off leaves a forward to a number alone, and vice versa)
            if current is not None and forward_json(exten, kind, current)["status"] == "on":
                await write_forward(ctx, exten, family, None)
            value = None
        return {**forward_json(exten, kind, value), "type": params["type"]}

    return run


OPERATIONS = (
    Operation("cw", CwParams, set_cw, CW),
    Operation("cfcall", CfCallParams, forward_operation("cfcall"), answers.Forward),
    Operation("cfvm", CfVmParams, forward_operation("cfvm"), answers.Forward),
)
