"""The ``[astproxy]`` conf.d section, and the parameters of the /astproxy read routes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class Text(fields.String):
    """A string that may be written as a TOML integer (``401``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


NAME = validate.Length(min=1, max=80)


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


class EndpointParam(Schema):
    """``/astproxy/<…>/<endpoint>``: an extension number as the clients send it."""

    endpoint = fields.String(required=True, validate=validate.Regexp(r"^[\w.*#+@-]{1,80}$"))
