"""The ``[presence]`` conf.d section and the bodies of the /user routes."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from nethcti_astproxy.ops.common import Exten, Number

from nethcti.config import secret_field
from nethcti_presence.rules import CONDITIONAL_PRESENCES, PRESENCES

SETTING_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,50}\Z")  # the original's key_name: 50 characters
MAX_SETTINGS = 100  # keys in one POST /user/settings


class PresenceSchema(Schema):
    """``[presence]``: every key is optional (conf.d/60-presence.toml)."""

    mirror_phone_changes = fields.Boolean(load_default=True)  # DND/forward set on one phone -> the user's others
    recallonbusy_file = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/recallonbusy.json
    subscription_file = fields.String(load_default=None, allow_none=True)  # /etc/sysconfig/subscription -> lkhash
    chat_url = fields.String(load_default=None, allow_none=True)  # jabber server in /user/me (chat.json "url")
    proxy_port = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=65535))
    asterisk_db_url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    mobile_script = fields.String(load_default=None, allow_none=True)  # run after POST /user/mobile
    # what one user may keep in /user/settings (the original: unbounded MEDIUMTEXT, 16 MiB a value)
    settings_max_keys = fields.Integer(load_default=100, validate=validate.Range(min=1, max=10_000))
    settings_max_value_bytes = fields.Integer(load_default=1 << 20, validate=validate.Range(min=1024, max=16 << 20))
    settings_max_total_bytes = fields.Integer(load_default=4 << 20, validate=validate.Range(min=1024, max=256 << 20))


class SetPresence(Schema):
    """POST /user/presence: ``to`` is required with callforward (a number, normalised as for calls)."""

    class Meta:
        unknown = EXCLUDE  # the original reads one dict of every parameter and ignores the rest

    status = fields.String(required=True, validate=validate.OneOf(PRESENCES))
    to = Number(load_default=None, allow_none=True)

    @validates_schema
    def forward_needs_a_number(self, data, **kwargs):
        if data.get("status") == "callforward" and not data.get("to"):
            raise ValidationError("Missing data for required field: callforward needs a number to forward to", "to")


class SetConditionalPresence(SetPresence):
    """POST /user/presence_onbusy and presence_onunavailable."""

    status = fields.String(required=True, validate=validate.OneOf(CONDITIONAL_PRESENCES))


class DefaultDevice(Schema):
    class Meta:
        unknown = EXCLUDE

    id = Exten(required=True)


class Digits(fields.String):
    """A string of digits, also accepted as a JSON integer."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(r"^[0-9]{1,40}$", error="Only digits are allowed"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Mobile(Schema):
    class Meta:
        unknown = EXCLUDE

    number = Digits(required=True)


def check_settings(body: dict) -> dict:
    """POST /user/settings: a non-empty object of settings with sane keys (values: any JSON)."""
    if not body:
        raise ValidationError({"settings": ["At least one setting is needed"]})
    if len(body) > MAX_SETTINGS:
        raise ValidationError({"settings": [f"At most {MAX_SETTINGS} settings at once"]})
    bad = [key for key in body if not SETTING_KEY.match(key)]
    if bad:  # named, but never echoed whole: a key may be 100,000 characters
        raise ValidationError({_preview(key): ["Not a valid setting name: 1-50 of A-Z a-z 0-9 _ . : -"] for key in bad})
    return body


def _preview(key: str) -> str:
    return key if len(key) <= 50 else key[:50] + "…"


def check_setting_name(name: str) -> str:
    """DELETE /user/setting/<name>."""
    if not SETTING_KEY.match(name):
        raise ValidationError({"prop": ["Not a valid setting name: 1-50 of A-Z a-z 0-9 _ . : -"]})
    return name
