"""The ``[provisioning]`` conf.d section and the path parameters (nothing unchecked goes into an upstream URL)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from nethcti.config import secret_field


class ProvisioningSchema(Schema):
    """``[provisioning]`` (conf.d/76-provisioning.toml)."""

    freepbx_url = fields.String(load_default="https://127.0.0.1", validate=validate.URL(require_tld=False))
    tancredi_url = fields.String(load_default="https://127.0.0.1/tancredi", validate=validate.URL(require_tld=False))
    admin_user = fields.String(load_default="admin")
    admin_secret = secret_field(load_default="")
    # NethVoice serves both on the same host with its own certificate: checked only when asked
    verify_tls = fields.Boolean(load_default=False)
    timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))


class MacPath(Schema):
    mac = fields.String(required=True, validate=validate.Regexp(
        r"[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}\Z", error="Not a MAC address (AA-BB-CC-DD-EE-FF)"))


class ModelPath(Schema):
    model = fields.String(required=True, validate=validate.Regexp(r"[A-Za-z0-9_.-]{1,64}\Z", error="Not a model name"))
