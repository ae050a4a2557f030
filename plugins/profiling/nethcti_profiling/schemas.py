"""The ``[profiling]`` conf.d section."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

HOST = validate.Regexp(r"[A-Za-z0-9.:\[\]-]{0,253}\Z", error="Not a host name")


class ProfilingSchema(Schema):
    """``[profiling]``: every key is optional (conf.d/70-profiling.toml)."""

    # NethVoice's /etc/nethcti/nethcti.json: its "hostname" and "publichost", re-read on reload
    nethcti_json = fields.String(load_default=None, allow_none=True)
    # the server's names for the clients (the mobile app's QR code); they win over nethcti.json
    hostname = fields.String(load_default=None, allow_none=True, validate=HOST)  # default: the machine's FQDN
    publichost = fields.String(load_default=None, allow_none=True, validate=HOST)  # default: ""
