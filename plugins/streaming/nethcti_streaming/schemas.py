"""The ``[streaming]`` conf.d section, NethVoice's streaming.json entries, and the bodies of the routes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate
from nethcti_astproxy.ops.common import Exten

from nethcti.config import secret_field

SOURCE_ID = validate.Regexp(r"[A-Za-z0-9_.-]{1,64}\Z", error="Not a streaming source id (letters, digits, _ . -)")
DTMF = validate.Regexp(r"[0-9A-D*#w]{0,40}\Z", error="Not a DTMF sequence (0-9, A-D, *, #, w for a pause)")


class SourceSchema(Schema):
    """One video source: where its image is, and the extension and DTMF that open its door."""

    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False)
    user = fields.String(load_default="", validate=validate.Length(max=200))
    password = secret_field(load_default="", validate=validate.Length(max=200))
    auth = fields.String(load_default="basic", validate=validate.OneOf(["basic", "digest"]))
    frame_rate = fields.Integer(load_default=1000, validate=validate.Range(min=100, max=60_000))  # ms between frames
    extension = Exten(load_default=None, allow_none=True)
    open = fields.String(load_default="", validate=DTMF)


class NethVoiceSourceSchema(SourceSchema):
    """A streaming.json entry: ``{"descr", "url", "user", "secret", "frame-rate", "exten", "open"}``."""

    class Meta:
        unknown = EXCLUDE  # NethVoice may add keys (type …)

    @pre_load
    def _nethvoice_names(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        out = {}
        for key, value in data.items():
            key = NETHVOICE_NAMES.get(key, key)
            if key in self.fields and not (value == "" and key in OPTIONAL):
                out[key] = value
        return out


NETHVOICE_NAMES = {"descr": "description", "secret": "password", "frame-rate": "frame_rate", "exten": "extension"}
OPTIONAL = ("description", "url", "extension", "frame_rate")  # "" in streaming.json means not set


class StreamingSchema(Schema):
    """``[streaming]``: every key is optional (conf.d/71-streaming.toml)."""

    streaming_json = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/streaming.json
    image_timeout = fields.Float(load_default=2.0, validate=validate.Range(min=0.1, max=30))  # s, as the original
    max_image_bytes = fields.Integer(load_default=2 << 20, validate=validate.Range(min=1024, max=32 << 20))
    sources = fields.Dict(keys=fields.String(validate=SOURCE_ID), values=fields.Nested(SourceSchema),
                          load_default=dict)


class SourceRequest(Schema):
    """POST /streaming/open, subscribe, unsubscribe: ``{"id": "<source>"}``."""

    class Meta:
        unknown = EXCLUDE  # the original reads one dict of every parameter and ignores the rest

    id = fields.String(required=True, validate=SOURCE_ID)
