"""The ``[custcard]`` conf.d section and the parameters of the /custcard routes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from nethcti.config import secret_field

NAME = validate.Regexp(r"[A-Za-z0-9_.-]{1,64}\Z", error="Letters, digits, _ . - only")
# a caller number or an identifier clients search cards by; it is bound, never pasted into SQL
NUMBER = validate.Regexp(r"[\w+*#@.()/ -]{1,64}\Z", error="Not a number")


class ConnectionSchema(Schema):
    url = secret_field(required=True, validate=validate.Length(min=1))  # SQLAlchemy async URL


class CardSchema(Schema):
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    connection = fields.String(required=True, validate=NAME)
    query = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    template = fields.String(load_default=None, allow_none=True)  # a file of templates_dir
    template_text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100_000))

    @validates_schema
    def _one_template(self, data, **_kwargs):
        if (data.get("template") is None) == (data.get("template_text") is None):
            raise ValidationError("Give either template (a file of templates_dir) or template_text", "template")


class CustcardSchema(Schema):
    """``[custcard]`` (conf.d/73-custcard.toml)."""

    templates_dir = fields.String(load_default=None, allow_none=True)
    row_limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=10_000))
    query_timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=60))
    admins = fields.List(fields.String(), load_default=list)  # usernames allowed to POST /custcard/preview
    connections = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(ConnectionSchema),
                              load_default=dict)
    cards = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(CardSchema), load_default=dict)


class ByNumber(Schema):
    """``GET /custcard/getbynum/<number>/<format>``."""

    number = fields.String(required=True, validate=NUMBER)
    format = fields.String(required=True, validate=validate.OneOf(["json", "html"]))


class Preview(Schema):
    """``POST /custcard/preview``: ``query`` base64 as the original sends it; ``template`` a file name."""

    class Meta:
        unknown = EXCLUDE

    dbconn_id = fields.String(required=True, validate=NAME)
    query = fields.String(required=True, validate=validate.Length(min=1, max=40_000))
    template = fields.String(required=True, validate=NAME)
    number = fields.String(load_default="", validate=validate.Regexp(r"[\w+*#@.()/ -]{0,64}\Z"))
