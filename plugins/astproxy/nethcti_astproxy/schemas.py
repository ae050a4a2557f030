"""The ``[astproxy]`` conf.d section, and the parameters of the /astproxy read routes."""

from __future__ import annotations

import ipaddress

from marshmallow import Schema, ValidationError, fields, validate

from nethcti.config import secret_field


class Text(fields.String):
    """A string that may be written as a TOML integer (``401``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


NAME = validate.Length(min=1, max=80)
ABSOLUTE = validate.Regexp(r"^/[^\r\n\0]*$", error="Must be an absolute path")


def network(value: str) -> None:
    """An address or network (``192.168.1.0/24``, ``::1``)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError("Not an address or network (CIDR)") from None


class TrunkSchema(Schema):
    name = fields.String(load_default=None)  # display name; default: the endpoint name
    tech = fields.String(load_default="pjsip", validate=validate.OneOf(["pjsip"]))
    maxchans = fields.Integer(load_default=4, validate=validate.Range(min=0))


class QueueSchema(Schema):
    name = fields.String(load_default=None)  # display name; default: the queue number
    dynmembers = fields.List(Text(validate=NAME), load_default=list)  # dynamic agents shown when logged out
    sla = Text(load_default=None)


class AstproxySchema(Schema):
    prefix = fields.String(load_default=None, allow_none=True)  # outside-number prefix; None: from asterisk_json
    asterisk_json = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/asterisk.json
    ast_objects_file = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/ast_objects.json
    operator_file = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/operator.json
    trunks = fields.Dict(keys=Text(validate=NAME), values=fields.Nested(TrunkSchema), load_default=dict)
    queues = fields.Dict(keys=Text(validate=NAME), values=fields.Nested(QueueSchema), load_default=dict)
    feature_codes = fields.Dict(keys=fields.String(validate=NAME), values=Text(), load_default=dict)
    operator_groups = fields.Dict(keys=fields.String(validate=NAME), values=fields.List(fields.String()),
                                  load_default=dict)
    trunk_conversations = fields.Boolean(load_default=True)  # the original's trunks_events
    queue_stats_interval = fields.Float(load_default=60.0, validate=validate.Range(min=0))  # 0: never poll
    load_concurrency = fields.Integer(load_default=8, validate=validate.Range(min=1, max=64))
    # where start_record has Asterisk write call recordings (<dir>/YYYY/MM/DD/<file>.wav); an Asterisk path
    recordings_dir = fields.String(load_default="/var/spool/asterisk/monitor",
                                   validate=validate.Regexp(r"^/[^\r\n\0]*$", error="Must be an absolute path"))
    # desk phones: user agents (regular expressions) that answer / hold on SIP NOTIFY Event: talk / hold
    notify_user_agents = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    phone_urls_file = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/phone_urls.json
    phone_http_timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=60))
    click_to_call = fields.String(load_default="disabled",  # the original's auto_c2c
                                  validate=validate.OneOf(["disabled", "enabled", "cloud"]))
    # wake-up calls: Asterisk's outgoing spool, and a directory on the same filesystem to write the files first
    outgoing_dir = fields.String(load_default="/var/spool/asterisk/outgoing", validate=ABSOLUTE)
    outgoing_tmp_dir = fields.String(load_default="/var/spool/asterisk/tmp", validate=ABSOLUTE)
    # NethVoice's outbound-route PINs (tables pin, pin_protected_routes); None: nethcti's own database
    pin_url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    # POST /astproxy/unauthe_call without a token, only from these addresses (CIDR); off by default
    unauthe_call = fields.Boolean(load_default=False)
    unauthe_call_allowed = fields.List(fields.String(validate=network), load_default=list)


class EndpointParam(Schema):
    """``/astproxy/<…>/<endpoint>``: an extension number as the clients send it."""

    endpoint = fields.String(required=True, validate=validate.Regexp(r"^[\w.*#+@-]{1,80}$"))
