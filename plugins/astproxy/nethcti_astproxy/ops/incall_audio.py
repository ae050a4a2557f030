"""Operation: play an audio file (NethVoice's recordings) into the conversation of the caller's phone."""

from __future__ import annotations

from marshmallow import validate

from nethcti.errors import ServiceUnavailable
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, NoSuchConversation, Operation, Params

AD_QUEUE_AGENT = "queue_agent.ad_queue_agent"


class NoIncallAudioCode(ServiceUnavailable):
    error_id, message = "no-incall-audio-code", "No incall_audio feature code is configured"


class IncallAudioParams(Params):
    # NethVoice's recording id, a JSON number or string
    audio_id = Exten(required=True, validate=validate.Regexp(r"[0-9]{1,10}\Z", error="Not an audio id"))


def talking_extension(ctx: Context) -> str | None:
    """The caller's first extension (the main one first) that has a conversation, as the original picks it."""
    main = ctx.user.mainextension
    for exten in ([main] if main else []) + sorted(ctx.user.extension_ids - {main}):
        if ctx.astproxy.extension(exten) is not None and ctx.astproxy.conversations(exten):
            return exten
    return None


async def incall_audio(ctx: Context, params: dict) -> dict:
    ctx.require_permission(AD_QUEUE_AGENT)
    code = ctx.statics.feature_codes.get("incall_audio")
    if not code:
        raise NoIncallAudioCode()
    ctx.astproxy.current()
    exten = talking_extension(ctx)
    if exten is None:
        raise NoSuchConversation("None of your extensions is in a conversation", {"audio_id": params["audio_id"]})
    # NethVoice's dialplan: incall-audio-play plays the file, incall-audio-spy whispers it into <code><exten>
    await ctx.ami.originate(f"Local/{params['audio_id']}@incall-audio-play", exten=f"{code}{exten}",
                            context="incall-audio-spy", priority=1)
    return {"exten": exten, "audio_id": params["audio_id"]}


OPERATIONS = (Operation("incall_audio", IncallAudioParams, incall_audio, answers.IncallAudio),)
