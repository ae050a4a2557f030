"""``[api]`` configuration and the bodies of the /api routes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from nethcti_auth.schemas import Loose

from nethcti.config import secret_field

DAY = 86400


def long_enough(secret: str) -> None:
    if secret and len(secret) < 32:
        raise ValidationError("at least 32 characters (RFC 7518: an HS256 key of 256 bits)")


class ApiSchema(Schema):
    jwt_secret = secret_field(load_default="", validate=long_enough)  # empty: a key kept in <state_dir>/api.key
    jwt_lifetime = fields.Integer(load_default=14 * DAY, validate=validate.Range(min=60))  # seconds, as the middleware
    issuer = fields.String(load_default="NethVoice", validate=validate.Length(min=1, max=64))  # in authenticator apps
    max_otp_failures = fields.Integer(load_default=5, validate=validate.Range(min=1))  # per user and failure_window
    rate_limit = fields.Float(load_default=25, validate=validate.Range(min=0))  # requests/s per address; 0: off
    rate_limit_burst = fields.Integer(load_default=100, validate=validate.Range(min=1))


class Body(Schema):
    class Meta:
        unknown = EXCLUDE


class OtpSchema(Body):
    username = Loose(load_default=None, validate=validate.Length(max=255))
    otp = Loose(required=True, validate=validate.Regexp(r"^[0-9]{6}$", error="6 digits"))


class PasswordSchema(Body):
    password = Loose(load_default="", validate=validate.Length(max=4096))


class HistoryCallsSchema(Body):
    """``GET /api/history/calls``: the middleware's query (the history plugin checks dates, sort and directions)."""

    callType = fields.String(required=True, validate=validate.Length(min=1, max=32))
    username = fields.String(load_default="", validate=validate.Length(max=255))
    from_ = fields.String(required=True, data_key="from", attribute="from", validate=validate.Length(max=16))
    to = fields.String(required=True, validate=validate.Length(max=16))
    textSearch = fields.String(load_default="", validate=validate.Length(max=255))
    sort = fields.String(load_default="time desc", validate=validate.Length(max=200))
    direction = fields.String(load_default="all", validate=validate.Length(max=16))
    pageNum = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    pageSize = fields.Integer(load_default=10, validate=validate.Range(min=1, max=10_000))
    artifact = fields.String(load_default="all", validate=validate.OneOf(["all", "summary", "transcription",
                                                                         "voicemail"]))


class StatusesSchema(Body):
    """``POST /api/history/statuses``: ``{uniqueids: [...]}`` or ``{lookups: [{uniqueid, linkedid}]}``."""

    uniqueids = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                            validate=validate.Length(max=1000))
    lookups = fields.List(fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(max=64))),
                          load_default=list, validate=validate.Length(max=1000))
