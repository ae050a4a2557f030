"""The shapes of the /astproxy answers (render.py's JSON), for /openapi.json; tests check live answers against them."""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer

Str = fields.String


def by_key(schema) -> dict:
    """An object keyed by number or id (extensions by exten, conversations by id …)."""
    return {"type": "object", "additionalProperties": schema}


class ChannelSchema(Answer):
    type = Str(required=True, metadata={"enum": ["source", "dest"]})
    channel = Str(required=True)
    callerNum = Str(required=True)
    callerName = Str(required=True)
    bridgedNum = Str(required=True)
    bridgedName = Str(required=True)
    bridgedChannel = Str(required=True)
    startTime = fields.Integer(required=True, metadata={"description": "epoch ms"})
    inConference = fields.Boolean(required=True)
    channelStatus = Str(required=True)


class ConversationSchema(Answer):
    id = Str(required=True)
    owner = Str(required=True)
    chSource = fields.Nested(ChannelSchema)
    chDest = fields.Nested(ChannelSchema)
    queueId = Str()
    linkedId = Str(required=True)
    uniqueId = Str(required=True)
    duration = fields.Integer(required=True, metadata={"description": "seconds"})
    startTime = fields.Integer(required=True, metadata={"description": "epoch ms"})
    connected = fields.Boolean(required=True)
    recording = Str(required=True, metadata={"enum": ["false", "true", "mute"]})
    direction = Str(required=True, metadata={"enum": ["in", "out"]})
    inConference = fields.Boolean(required=True)
    throughQueue = fields.Boolean(required=True)
    throughTrunk = fields.Boolean(required=True)
    counterpartNum = Str(required=True)
    counterpartName = Str(required=True)


class ExtensionSchema(Answer):
    exten = Str(required=True)
    name = Str(required=True)
    username = Str(required=True, allow_none=True)
    status = Str(required=True, metadata={"description": "online, offline, busy, ringing, onhold, dnd …"})
    dnd = fields.Boolean(required=True)
    cf = Str(required=True)
    cfb = Str(required=True)
    cfu = Str(required=True)
    cfVm = Str(required=True)
    cfbVm = Str(required=True)
    cfuVm = Str(required=True)
    ip = Str(required=True)
    port = Str(required=True)
    mac = Str(required=True, allow_none=True)
    codecs = fields.List(Str(), required=True)
    context = Str(required=True)
    chanType = Str(required=True)
    sipuseragent = Str(required=True, allow_none=True)
    conversations = fields.Dict(keys=Str(), values=fields.Nested(ConversationSchema), required=True)


class QueueMemberSchema(Answer):
    type = Str(required=True)
    name = Str(required=True)
    queue = Str(required=True)
    member = Str(required=True)
    paused = fields.Boolean(required=True)
    loggedIn = fields.Boolean(required=True)
    callsTakenCount = fields.Integer(required=True)
    lastCallTimestamp = fields.Integer(required=True, metadata={"description": "epoch s"})
    lastPausedInReason = Str(required=True)
    lastPausedInTimestamp = fields.Integer(required=True, metadata={"description": "epoch ms"})
    lastPausedOutTimestamp = fields.Integer(required=True, metadata={"description": "epoch ms"})


class WaitingCallerSchema(Answer):
    id = Str(required=True)
    num = Str(required=True)
    name = Str(required=True)
    queue = Str(required=True)
    channel = Str(required=True)
    position = fields.Integer(required=True)
    waiting = fields.Integer(required=True, metadata={"description": "seconds"})
    waitingTime = fields.Integer(required=True, metadata={"description": "seconds"})


class QueueSchema(Answer):
    queue = Str(required=True)
    name = Str(required=True)
    members = fields.Dict(keys=Str(), values=fields.Nested(QueueMemberSchema), required=True)
    waitingCallers = fields.Dict(keys=Str(), values=fields.Nested(WaitingCallerSchema), required=True)
    avgHoldTime = Str(required=True)
    avgTalkTime = Str(required=True)
    completedCallsCount = Str(required=True)
    abandonedCallsCount = Str(required=True)
    serviceLevelTimePeriod = Str(required=True)
    serviceLevelPercentage = Str(required=True)


class TrunkSchema(Answer):
    exten = Str(required=True)
    name = Str(required=True)
    status = Str(required=True)
    registration = Str(required=True)
    chanType = Str(required=True)
    maxChannels = fields.Integer(required=True)
    ip = Str(required=True)
    port = Str(required=True)
    codecs = fields.List(Str(), required=True)
    sipuseragent = Str(required=True, allow_none=True)
    conversations = fields.Dict(keys=Str(), values=fields.Dict(), required=True)


class ParkingSchema(Answer):
    name = Str(required=True)
    parking = Str(required=True)
    timeout = fields.Integer(required=True, metadata={"description": "seconds"})
    parkedCaller = fields.Dict(required=True, metadata={"description": "{} when the slot is free"})


class ConferenceSchema(Answer):
    id = Str(required=True)
    users = fields.Dict(keys=Str(), values=fields.Dict(), required=True)


class PrefixSchema(Answer):
    prefix = Str(required=True, allow_none=True)


class DndSchema(Answer):
    exten = Str(required=True)
    dnd = Str(required=True, metadata={"enum": ["on", "off"]})


EXTENSIONS = by_key(ExtensionSchema)
QUEUES = by_key(QueueSchema)
TRUNKS = by_key(TrunkSchema)
PARKINGS = by_key(ParkingSchema)
OPGROUPS = by_key({"type": "object", "required": ["users"],
                   "properties": {"users": {"type": "array", "items": {"type": "string"}}}})
CONFERENCE = {"anyOf": [ConferenceSchema, {"type": "object", "maxProperties": 0,
                                           "description": "{} when the extension has no conference"}]}
CW = {"type": "object", "required": ["exten", "cw"],
      "properties": {"exten": {"type": "string"}, "cw": {"enum": ["on", "off"]}}}
FORWARD = {"type": "object", "required": ["exten", "status"], "properties": {
    "exten": {"type": "string"}, "status": {"enum": ["on", "off"]},
    "to": {"type": "string", "description": "the number (cfcall) or voicemail box (cfvm) when on"}}}
FEATURE_CODES = {"type": "object", "additionalProperties": {"type": "string"}}
