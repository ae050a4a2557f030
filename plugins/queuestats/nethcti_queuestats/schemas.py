"""The ``[queuestats]`` conf.d section and the parameters of the routes (every bad value: 400 naming it)."""

from __future__ import annotations

import re
from collections.abc import Collection

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from nethcti.config import secret_field
from nethcti_queuestats.queries import RECALL_TYPES

TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
NUMBER = re.compile(r"[A-Za-z0-9+*#._-]{1,40}\Z")  # a caller id number as queue_log / the CDR keep it
MAX_QUEUES = 100


class QueueStatsSchema(Schema):
    """``[queuestats]`` (conf.d/55-queuestats.toml)."""

    # NethVoice: mysql+asyncmy://user:pass@localhost/asteriskcdrdb; the demo PBX: sqlite+aiosqlite:///…/master.db
    queue_log_url = secret_field(required=True, validate=validate.Length(min=1))
    queue_log_table = fields.String(load_default="queue_log", validate=validate.Regexp(TABLE_NAME))
    # the CDR table in the same database (names of callers, agents' calls back); "" = none
    cdr_table = fields.String(load_default="cdr", validate=validate.Regexp(rf"({TABLE_NAME.pattern[:-2]})?\Z"))
    null_call_period = fields.Integer(load_default=5, validate=validate.Range(min=0, max=3600))
    max_hours = fields.Integer(load_default=168, validate=validate.Range(min=1, max=24 * 366))
    max_limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=100_000))
    pool_recycle = fields.Integer(load_default=3600, validate=validate.Range(min=1))
    alarms = fields.Boolean(load_default=True)
    alarm_interval = fields.Float(load_default=5.0, validate=validate.Range(min=0.05, max=3600))
    queueload_warning = fields.Integer(load_default=5, validate=validate.Range(min=0))
    queueload_failure = fields.Integer(load_default=10, validate=validate.Range(min=0))
    queueholdtime_warning = fields.Integer(load_default=60, validate=validate.Range(min=0))
    queueholdtime_failure = fields.Integer(load_default=180, validate=validate.Range(min=0))
    queuefewop_warning = fields.Integer(load_default=2, validate=validate.Range(min=0))
    queuefewop_failure = fields.Integer(load_default=1, validate=validate.Range(min=0))


class PageParams(Schema):
    """?offset&limit of the recall lists (the client sends limit=200&offset=0); other parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))


def hours(value: str, maximum: int) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:  # "³" is a digit, no int
        raise ValidationError({"hours": [f"Not a number of hours: 1 to {maximum}"]})
    return int(value)


def recall_type(value: str) -> str:
    if value not in RECALL_TYPES:
        raise ValidationError({"type": [f"Must be one of: {', '.join(RECALL_TYPES)}"]})
    return value


def number(value: str, name: str) -> str:
    if not NUMBER.match(value):
        raise ValidationError({name: ["Not a phone number: 1-40 of A-Z a-z 0-9 + * # . _ -"]})
    return value


def queue_list(value: str, known: Collection[str]) -> tuple[str, ...]:
    """``401,402``: queues that exist, at most MAX_QUEUES, each once."""
    qids = tuple(dict.fromkeys(q for q in value.split(",") if q))
    if not qids or len(qids) > MAX_QUEUES:
        raise ValidationError({"qids": [f"One to {MAX_QUEUES} queues, comma separated"]})
    unknown = [q for q in qids if q not in known]
    if unknown:
        raise ValidationError({"qids": [f"No such queue: {', '.join(unknown[:5])}"[:200]]})
    return qids
