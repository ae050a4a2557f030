"""Operation: do not disturb on or off for one of the caller's extensions (AstDB ``DND/<ext>``, as FreePBX)."""

from __future__ import annotations

from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, OnOff, Operation, Params

DND = "settings.dnd"


class DndParams(Params):
    endpoint = Exten(required=True)
    status = OnOff(required=True)


async def set_dnd(ctx: Context, params: dict) -> dict:
    exten, on = params["endpoint"], params["status"] == "on"
    ctx.require_permission(DND)
    ctx.require_own(exten, field="endpoint")
    ctx.extension(exten, field="endpoint")
    if on:
        await ctx.ami.send_action({"Action": "DBPut", "Family": "DND", "Key": exten, "Val": "YES"})
    else:  # raw: a key that is not there is DND off already
        await ctx.ami.send_action({"Action": "DBDel", "Family": "DND", "Key": exten}, raw=True)
    # no AMI event tells that AstDB changed: the model (and the clients, through it) learn it here
    await ctx.astproxy.set_db_value(exten, "DND", "YES" if on else None)
    return {"exten": exten, "dnd": params["status"]}


OPERATIONS = (Operation("dnd", DndParams, set_dnd, answers.Dnd),)
