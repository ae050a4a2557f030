"""What the ``POST /astproxy/<operation>`` answer, for /openapi.json: each ``run``'s returned dict, field by field.

The openapi plugin's live tests and fuzzing validate real answers against these, so a field an operation stops
returning, or returns with another type, fails there. Answers stay open (``Answer``): fields may be added.
"""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer

Str = fields.String


def one_of(*values: str) -> dict:
    return {"enum": list(values)}


# ------------------------------------------------------------------ calls


class Originated(Answer):
    uniqueid = Str(required=True, allow_none=True,
                   metadata={"description": "the Uniqueid of the channel that rang the caller's phone"})


class CallPlaced(Answer):
    """How the call was placed: an AMI Originate (``uniqueid``), the caller's WebRTC phone-island
    (``sent: callWebrtc``), the desk phone's HTTP API (``phoneRespStatusCode``) or NethLink
    (``sent: actionNethLink``, cloud click-to-call)."""

    uniqueid = Str(allow_none=True)
    exten = Str()
    number = Str()
    sent = Str(metadata=one_of("callWebrtc", "actionNethLink"))
    phoneRespStatusCode = fields.Integer()


class HungUp(Answer):
    hungup = Str(required=True, metadata={"description": "the channel hung up"})


class HungUpAll(Answer):
    hungup = fields.List(Str(), required=True, metadata={"description": "the channels hung up"})


class Muted(Answer):
    muted = Str(required=True, metadata={"description": "the channel"})
    direction = Str(required=True, metadata=one_of("in"))


class Unmuted(Answer):
    unmuted = Str(required=True, metadata={"description": "the channel"})


class RecallQueued(Answer):
    waitingExtensions = fields.Integer(required=True, metadata={"description": "callers waiting for the callee"})


# ------------------------------------------------------------------ transfers


class Redirected(Answer):
    redirected = Str(required=True, metadata={"description": "the channel sent elsewhere"})
    to = Str(required=True)


class BlindTransferred(Answer):
    transferred = Str(required=True, allow_none=True, metadata={"description": "the other party's channel"})
    to = Str(required=True)


class Transferring(Answer):
    transferring = Str(required=True, metadata={"description": "the caller's channel"})
    to = Str(required=True)


class ToVoicemail(Answer):
    redirected = Str(required=True)
    voicemail = Str(required=True)


class ToQueue(Answer):
    redirected = Str(required=True)
    queue = Str(required=True)


class Parked(Answer):
    parked = Str(required=True, metadata={"description": "the parked channel"})


# ------------------------------------------------------------------ recording, spying

RECORDING = one_of("false", "true", "mute")


class Recording(Answer):
    convid = Str(required=True)
    recording = Str(required=True, metadata=RECORDING)
    file = Str(metadata={"description": "the new recording's path (absent when it was recording already)"})


class Spying(Answer):
    convid = Str(required=True)
    spied = Str(required=True, metadata={"description": "the channel listened to"})
    listener = Str(required=True, data_key="from", metadata={"description": "the listener's extension"})
    mode = Str(required=True, metadata=one_of("listen", "whisper"))


# ------------------------------------------------------------------ queues


class MemberAdded(Answer):
    exten = Str(required=True)
    queue = Str(required=True)
    added = fields.Boolean(required=True, metadata={"description": "false: a member already"})
    penalty = fields.Integer()
    paused = fields.Boolean()


class MemberRemoved(Answer):
    exten = Str(required=True)
    queue = Str(required=True)
    removed = fields.Boolean(required=True, metadata={"description": "false: not a member any more already"})


class MemberPaused(Answer):
    exten = Str(required=True)
    queue = Str(required=True, allow_none=True, metadata={"description": "null: every queue"})
    paused = fields.Boolean(required=True)
    reason = Str()


class Dialed(Answer):
    exten = Str(required=True)
    dialed = Str(required=True, metadata={"description": "the feature code dialled"})


# ------------------------------------------------------------------ conferences


class ConfStarted(Answer):
    confId = Str(required=True)
    room = Str(required=True)
    added = Str(required=True)
    moved = fields.List(Str(), required=True, metadata={"description": "the channels moved into the room"})


class ConfJoining(Answer):
    confId = Str(required=True)
    room = Str(required=True)
    calling = Str(required=True)


class ConfEnded(Answer):
    confId = Str(required=True)
    hungup = fields.List(Str(), required=True, metadata={"description": "the participants' extensions"})


class ConfUserMuted(Answer):
    confId = Str(required=True)
    userId = Str(required=True)
    extenId = Str(required=True)
    muted = Str(required=True, metadata=one_of("in", "out", "all"))


class ConfUserUnmuted(Answer):
    confId = Str(required=True)
    userId = Str(required=True)
    extenId = Str(required=True)
    unmuted = Str(required=True, metadata=one_of("out", "all"))


class ConfUserHungUp(Answer):
    confId = Str(required=True)
    extenId = Str(required=True)
    hungup = Str(required=True, metadata={"description": "the participant's channel"})


# ------------------------------------------------------------------ phones


class PhoneCommanded(Answer):
    """``sent: notify`` (a SIP NOTIFY, ``event``) or ``sent: http`` (the phone's URL, ``phoneRespStatusCode``)."""

    exten = Str(required=True)
    sent = Str(required=True, metadata=one_of("notify", "http"))
    event = Str()
    phoneRespStatusCode = fields.Integer()


class Dtmf(Answer):
    exten = Str(required=True)
    channel = Str(required=True, metadata={"description": "the channel the tone was played to"})
    tone = Str(required=True)


class MuteToggled(Answer):
    convid = Str(required=True)
    channel = Str(required=True)
    muted = fields.Boolean(required=True)


class Reloading(Answer):
    exten = Str(required=True)
    reloading = fields.Boolean(required=True)


class WebrtcAnswered(Answer):
    exten = Str(required=True)
    sent = Str(required=True, metadata=one_of("answerWebrtc"))


# ------------------------------------------------------------------ settings


class Dnd(Answer):
    exten = Str(required=True)
    dnd = Str(required=True, metadata=one_of("on", "off"))


class Forward(Answer):
    """The GET cfcall / cfvm answer and the ``type`` changed."""

    exten = Str(required=True)
    status = Str(required=True, metadata=one_of("on", "off"))
    to = Str(metadata={"description": "present when on"})
    type = Str(required=True)


class PinSet(Answer):
    extension = Str(required=True)
    pin = Str(required=True)
    enabled = fields.Boolean(required=True)


class WakeupCreated(Answer):
    filename = Str(required=True)
    extension = Str(required=True)
    time = fields.Integer(required=True, metadata={"description": "unix time of the call"})


class IncallAudio(Answer):
    exten = Str(required=True)
    audio_id = Str(required=True)


PINS = {"description": "the PINs of the caller's phones by extension; `{}` for a user without phones, `[]` when "
                       "none of them has a PIN, as the original",
        "anyOf": [{"type": "object", "additionalProperties": PinSet}, {"type": "array", "maxItems": 0}]}


class PinStatus(Answer):
    enabled = fields.Boolean(required=True, metadata={"description": "some outbound route asks for a PIN"})


WAKEUPS = {"type": "array", "items": {"type": "string", "description": "a call file: <exten>-<unix time>.call"}}


class WakeupDeleted(Answer):
    deleted = Str(required=True, metadata={"description": "the call file removed"})
