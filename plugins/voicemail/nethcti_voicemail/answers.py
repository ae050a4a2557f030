"""The shapes of the /voicemail answers, for /openapi.json."""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer


class MessageRowSchema(Answer):
    id = fields.Raw(required=True, metadata={"description": "the storage's id (row id, or the spool's msg_id)"})
    origtime = fields.String(required=True, metadata={"description": "Unix seconds"})
    duration = fields.String(required=True, metadata={"description": "seconds"})
    callerid = fields.String(required=True)
    dir = fields.String(required=True)
    mailboxuser = fields.String(required=True)
    type = fields.String(required=True, metadata={"description": "the folder, lower case: inbox, old, work …"})


class MessagePageSchema(Answer):
    count = fields.Integer(required=True)
    rows = fields.List(fields.Nested(MessageRowSchema), required=True)


# [] for a user without exactly one box, as the original
MESSAGES = {"anyOf": [MessagePageSchema, {"type": "array", "maxItems": 0}]}
BASE64 = {"type": "string", "contentEncoding": "base64", "description": "the audio (WAV), base64"}
STATIC_NAME = {"type": "string", "description": "a one-shot file name: GET /static/<name> serves it once"}
NEW_COUNTERS = {"type": "object", "additionalProperties": {
    "type": "object", "required": ["newMessageCount"], "properties": {"newMessageCount": {"type": "integer"}}}}
