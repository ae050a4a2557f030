"""The ``[history]`` conf.d section and the parameters of the history routes (every bad value: 400 naming it)."""

from __future__ import annotations

import re
from datetime import date, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from nethcti.config import secret_field
from nethcti_history.queries import SORTABLE, Interval

TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
UNIQUEID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")
MAX_FILTER = 100


class HistorySchema(Schema):
    """``[history]`` (conf.d/70-history.toml)."""

    # NethVoice: mysql+asyncmy://user:pass@localhost/asteriskcdrdb; the demo PBX: sqlite+aiosqlite:///…/master.db
    cdr_url = secret_field(required=True, validate=validate.Length(min=1))
    cdr_table = fields.String(load_default="cdr", validate=validate.Regexp(TABLE_NAME))
    max_limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=100_000))  # rows per page
    pool_recycle = fields.Integer(load_default=3600, validate=validate.Range(min=1))  # MySQL drops idle links


class Flag(fields.Boolean):
    """A boolean query parameter; the web client also sends ``removeLostCalls=undefined`` (= false)."""

    truthy = {"true", "True", "1", 1}
    falsy = {"false", "False", "0", 0, "undefined", "null", ""}


def sort_keys(value: str) -> tuple[tuple[str, bool], ...]:
    """``"time desc"``, ``"duration asc, time desc"``: at most 3 keys of SORTABLE, each asc or desc."""
    keys = []
    for part in value.split(","):
        words = part.split()
        if (
            not 1 <= len(words) <= 2
            or words[0] not in SORTABLE
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise ValidationError(f"Not a sort order: one to three of {', '.join(SORTABLE)}, each asc or desc")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if not 1 <= len(keys) <= 3:
        raise ValidationError("One to three sort keys")
    return tuple(keys)


class SortField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return sort_keys(super()._deserialize(value, attr, data, **kwargs))


class PageParams(Schema):
    """?offset, limit, sort, removeLostCalls (and direction / type, below); other parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    sort = SortField(load_default=(("time", True),), validate=validate.Length(max=200))
    removeLostCalls = Flag(load_default=False)


class UserParams(PageParams):
    direction = fields.String(load_default=None, validate=validate.OneOf(("in", "out", "lost")))


class SwitchParams(PageParams):
    type = fields.String(load_default=None, validate=validate.OneOf(("in", "out", "internal", "lost")))


def day(value: str, name: str) -> date:
    if not re.fullmatch(r"[0-9]{8}", value):
        raise ValidationError({name: ["Not a date: YYYYMMDD"]})
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise ValidationError({name: ["Not a date: YYYYMMDD"]}) from None


def interval(params: dict, first: str, last: str, filter: str | None, max_limit: int) -> Interval:
    """The Interval of a history route from its path and query parameters."""
    if filter is not None and len(filter) > MAX_FILTER:
        raise ValidationError({"filter": [f"At most {MAX_FILTER} characters"]})
    if params["limit"] is not None and params["limit"] > max_limit:
        raise ValidationError({"limit": [f"At most {max_limit}"]})
    return Interval(
        day(first, "from"),
        day(last, "to"),
        filter or None,
        params["offset"],
        params["limit"] or max_limit,
        params["sort"],
        params["removeLostCalls"],
    )


def history_type(value: str) -> str:
    if value not in ("extension", "user"):
        raise ValidationError({"type": ["Must be one of: extension, user"]})
    return value


def uniqueid(value) -> str:
    if not isinstance(value, str) or not UNIQUEID.match(value):
        raise ValidationError({"id": ["Not a call id (uniqueid): 1-64 of A-Z a-z 0-9 . _ -"]})
    return value


class DeleteRecording(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Raw(required=True)
