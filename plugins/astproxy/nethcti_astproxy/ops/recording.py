"""Operations: recording a conversation (MixMonitor), listening to it and intruding into it (ChanSpy)."""

from __future__ import annotations

import re
from datetime import datetime

from nethcti.errors import Conflict
from nethcti_astproxy.objects import channel_endpoint
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, ConvId, Exten, Operation, OperationForbidden, Params
from nethcti_astproxy.service import ConversationRef

AD_RECORDING = "presence_panel.ad_recording"
RECORDING = "settings.recording"
SPY = "presence_panel.spy"
INTRUDE = "presence_panel.intrude"
QMANAGER = "qmanager.qmanager_<queue>"

_NOT_IN_FILE_NAMES = re.compile(r"[^0-9A-Za-z*#+_.-]")


class NotRecording(Conflict):
    error_id, message = "not-recording", "The conversation is not being recorded"


class RecordParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)


class SpyParams(Params):
    convid = ConvId(required=True)
    endpointId = Exten(required=True)  # whose conversation
    destId = Exten(required=True)  # the caller's extension that listens


# ------------------------------------------------------------------ recording


def may_record(ctx: Context, exten: str) -> None:
    """``ad_recording`` records anyone; ``recording`` only the caller's own extensions."""
    ctx.require_permission(AD_RECORDING, RECORDING)
    ctx.require_own(exten, AD_RECORDING)


def recording_state(ctx: Context, ref: ConversationRef) -> str:
    return ctx.astproxy.current().recordings.get(ref.id, "false")


def recorded_channel(ref: ConversationRef) -> str:
    """The conversation's source channel: start, mute and stop all act on the same one."""
    return (ref.source or ref.channel).name


def record_file_name(ref: ConversationRef, now: datetime) -> str:
    """``exten-<called>-<caller>-YYYYMMDD-HHMMSS-<ms>.wav``, the original's (FreePBX-like) name."""
    other = _NOT_IN_FILE_NAMES.sub("", ref.channel.conn_num) or "unknown"
    outgoing = ref.source is not None and channel_endpoint(ref.source.name) == ref.owner
    called, caller = (other, ref.owner) if outgoing else (ref.owner, other)
    return f"exten-{called}-{caller}-{now:%Y%m%d}-{now:%H%M%S}-{now.microsecond // 1000}.wav"


async def start_record(ctx: Context, params: dict) -> dict:
    exten = params["endpointId"]
    may_record(ctx, exten)
    ref = ctx.conversation(exten, params["convid"])
    state = recording_state(ctx, ref)
    if state != "false":
        return {"convid": ref.id, "recording": state}  # already recording: nothing to do, as the original
    channel = recorded_channel(ref)
    now = datetime.now()
    name = record_file_name(ref, now)
    path = f"{ctx.statics.recordings_dir.rstrip('/')}/{now:%Y/%m/%d}/{name}"
    # what FreePBX's one-touch recording sets, so the CDR row names the file
    variables = {"MASTER_CHANNEL(ONETOUCH_REC)": "RECORDING", "MASTER_CHANNEL(REC_STATUS)": "RECORDING",
                 "MASTER_CHANNEL(CDR(recordingfile))": name, "MASTER_CHANNEL(ONETOUCH_RECFILE)": name}
    for variable, value in variables.items():
        await ctx.ami.send_action({"Action": "Setvar", "Channel": channel, "Variable": variable, "Value": value})
    await ctx.ami.send_action({"Action": "MixMonitor", "Channel": channel, "File": path, "Options": "a"})
    await ctx.astproxy.set_recording(ref.id, "true")
    return {"convid": ref.id, "recording": "true", "file": path}


async def stop_record(ctx: Context, params: dict) -> dict:
    exten = params["endpointId"]
    may_record(ctx, exten)  # the original checked nothing here
    ref = ctx.conversation(exten, params["convid"])
    if recording_state(ctx, ref) == "false":
        raise NotRecording(details={"convid": ref.id})
    # an error means no MixMonitor runs on the channel any more: the recording is stopped either way
    await ctx.ami.send_action({"Action": "StopMixMonitor", "Channel": recorded_channel(ref)}, raw=True)
    await ctx.astproxy.set_recording(ref.id, "false")
    return {"convid": ref.id, "recording": "false"}


async def _mute_record(ctx: Context, params: dict, mute: bool) -> dict:
    exten = params["endpointId"]
    may_record(ctx, exten)
    ref = ctx.conversation(exten, params["convid"])
    state, wanted = recording_state(ctx, ref), "mute" if mute else "true"
    if state == "false":
        raise NotRecording(details={"convid": ref.id})
    if state != wanted:
        await ctx.ami.send_action({"Action": "MixMonitorMute", "Channel": recorded_channel(ref),
                                   "Direction": "both", "State": "1" if mute else "0"})
        await ctx.astproxy.set_recording(ref.id, wanted)
    return {"convid": ref.id, "recording": wanted}


async def mute_record(ctx: Context, params: dict) -> dict:
    return await _mute_record(ctx, params, True)


async def unmute_record(ctx: Context, params: dict) -> dict:
    return await _mute_record(ctx, params, False)


# ------------------------------------------------------------------ listen and intrude


def may_spy(ctx: Context, exten: str, listener: str, permission: str) -> None:
    """``permission``, or supervising (qmanager) a queue ``exten`` is a member of; the listening phone
    must be the caller's."""
    if not ctx.user.can(permission):
        supervised = ctx.astproxy.qmanager_queues(ctx.user)
        if supervised:
            ctx.astproxy.current()
        if not any((queue := ctx.astproxy.queue(qid)) is not None and exten in queue.members for qid in supervised):
            raise OperationForbidden(details={"permission": f"{permission} or {QMANAGER}"})
    ctx.require_own(listener, field="destId")


async def _spy(ctx: Context, params: dict, permission: str, options: str) -> dict:
    exten, listener = params["endpointId"], params["destId"]
    may_spy(ctx, exten, listener, permission)
    ref = ctx.conversation(exten, params["convid"])
    ctx.extension(listener, field="destId")
    spied = ref.channel.name  # the extension's own leg: ChanSpy hears both parties through it
    await ctx.ami.originate(f"PJSIP/{listener}", application="ChanSpy", data=f"{spied},{options}",
                            caller_id="<unknown>")
    return {"convid": ref.id, "spied": spied, "from": listener, "mode": "whisper" if "w" in options else "listen"}


async def start_spy(ctx: Context, params: dict) -> dict:
    return await _spy(ctx, params, SPY, "qS")  # q: quiet, S: stop when the spied channel hangs up


async def intrude(ctx: Context, params: dict) -> dict:
    return await _spy(ctx, params, INTRUDE, "wqS")  # w: whisper, the spied extension hears the listener


OPERATIONS = (
    Operation("start_record", RecordParams, start_record, answers.Recording),
    Operation("stop_record", RecordParams, stop_record, answers.Recording),
    Operation("mute_record", RecordParams, mute_record, answers.Recording),
    Operation("unmute_record", RecordParams, unmute_record, answers.Recording),
    Operation("start_spy", SpyParams, start_spy, answers.Spying),
    Operation("intrude", SpyParams, intrude, answers.Spying),
)
