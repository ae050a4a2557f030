"""The ``[voicemail]`` conf.d section and the parameters of the /voicemail routes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from nethcti.config import secret_field
from nethcti_voicemail.model import CONTEXT, FOLDER_OF_TYPE, GREETINGS

MAX_LIMIT = 10_000


class VoicemailSchema(Schema):
    """``[voicemail]``: every key is optional (conf.d/70-voicemail.toml)."""

    storage = fields.String(load_default="file", validate=validate.OneOf(("file", "odbc")))
    spool_dir = fields.String(load_default="/var/spool/asterisk/voicemail", validate=validate.Length(min=1))
    context = fields.String(load_default="default", validate=validate.Regexp(CONTEXT))
    db_url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    db_table = fields.String(load_default="voicemessages", validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"))
    max_greeting_bytes = fields.Integer(load_default=8 << 20, validate=validate.Range(min=1024, max=64 << 20))
    lock_timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=60))

    @validates_schema
    def odbc_needs_a_url(self, data, **kwargs):
        if data.get("storage") == "odbc" and not data.get("db_url"):
            raise ValidationError("storage = \"odbc\" needs db_url (or db_url_file)", "db_url")


class Page(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(("all", *FOLDER_OF_TYPE)))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_LIMIT))


class MessageId(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))

    def _deserialize(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("id"), int) and not isinstance(data.get("id"), bool):
            data = {**data, "id": str(data["id"])}  # the clients send a string; a number is as good
        return super()._deserialize(data, **kwargs)


class GreetingType(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(GREETINGS))


class Greeting(GreetingType):
    audio = fields.String(required=True, validate=validate.Length(min=1))
