"""The ``[dbconn]`` conf.d section and the parameters of POST /dbconn/test."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

TYPES = ("mysql", "postgres", "mssql")


class DbconnSchema(Schema):
    """``[dbconn]`` (conf.d/75-dbconn.toml)."""

    admins = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0.5, max=60))


class ConnectionTest(Schema):
    """The original's parameters, all strings: ``{host, port, type, user, pass, name}``."""

    class Meta:
        unknown = EXCLUDE

    host = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9.:_-]{1,253}$"))
    port = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=65535))
    type = fields.String(required=True, validate=validate.Regexp(r"^(mysql|postgres|mssql(:[\w.]{1,20})?)$"))
    user = fields.String(required=True, validate=validate.Length(min=1, max=128))
    # "pass" is a Python keyword: the field is loaded as "password"
    password = fields.String(required=True, data_key="pass", validate=validate.Length(max=256))
    name = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_$-]{1,64}$"))

    @pre_load
    def port_as_text(self, data, **kwargs):
        """The clients send the port as a string; a JSON number is as good."""
        port = data.get("port") if isinstance(data, dict) else None
        if isinstance(port, str) and port.isascii() and port.isdigit():  # "³" is a digit to isdigit(), not to int()
            return {**data, "port": int(port)}
        return data
