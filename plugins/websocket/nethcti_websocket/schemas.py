"""``[websocket]`` configuration and the payloads clients send."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from nethcti.config import secret_field
from nethcti_websocket.sessions import UA_TYPES


class WebsocketSchema(Schema):
    # phone-island never answers takeOver, so its new login waits this long; the original waits 8 s
    takeover_timeout = fields.Float(load_default=2.0, validate=validate.Range(min=0, max=60))
    # a socket that has not logged in after this many seconds is disconnected
    login_timeout = fields.Float(load_default=30.0, validate=validate.Range(min=1, max=3600))
    # how often open sockets extend their tokens; default: half of [auth] expiration_timeout
    refresh_interval = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=1))
    # redis://host:6379/0 (or rediss://, unix://): fan events out to the sockets of other processes
    redis_url = secret_field(load_default="")
    redis_channel = fields.String(load_default="nethcti", validate=validate.Length(min=1, max=100))
    # seconds any Redis call may take; past it the process goes on alone (and /status says degraded)
    redis_timeout = fields.Float(load_default=1.0, validate=validate.Range(min=0.05, max=30))
    # seconds between heartbeats: how soon /status sees Redis gone, and a crashed process's sockets stop counting
    redis_check_interval = fields.Float(load_default=1.0, validate=validate.Range(min=0.1, max=60))


class _Text(fields.String):
    """A string; a JSON number is taken as its decimal text (an extension sent as a number)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class LoginSchema(Schema):
    """``login {accessKeyId, token, uaType?}``; an unknown uaType string is refused, as the original."""

    class Meta:
        unknown = EXCLUDE

    accessKeyId = _Text(required=True, validate=validate.Length(min=1, max=255))  # the names on the wire
    token = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    uaType = fields.String(load_default=None, validate=validate.OneOf(UA_TYPES))

    @pre_load
    def ignore_non_string_ua_type(self, data, **kwargs):
        if isinstance(data, dict) and "uaType" in data and not isinstance(data["uaType"], str):
            data = {k: v for k, v in data.items() if k != "uaType"}  # the original ignores it
        return data


class MessageSchema(Schema):
    """``message {message, destUser, …}``: relayed whole to the sockets of ``destUser``."""

    class Meta:
        unknown = EXCLUDE

    destUser = _Text(required=True, validate=validate.Length(min=1, max=255))
    message = fields.Raw(load_default=None)


def load(schema: Schema, data) -> dict | None:
    """The payload through ``schema``, or None when it is not valid (or not an object at all)."""
    if not isinstance(data, dict):
        return None
    try:
        return schema.load(data)
    except ValidationError:
        return None
