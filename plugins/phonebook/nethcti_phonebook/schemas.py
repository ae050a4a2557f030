"""The ``[phonebook]`` conf.d section and what the /phonebook routes accept."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from nethcti.config import secret_field
from nethcti_phonebook.tables import LENGTHS

TYPES = ("private", "public", "speeddial")
VIEWS = ("all", "person", "company")
VISIBILITIES = ("all", "public", "private", "group")
SORTS = ("company", "name", "displayname")
MAX_TERM = 255  # characters of a search term: no column is longer
MAX_OFFSET = 1_000_000
TEXT_BYTES = 65_535  # MySQL TEXT (notes)
EMAILS = ("homeemail", "workemail")
NUMBERS = ("homephone", "workphone", "cellphone", "fax", "extension", "speeddial_num")
NUMBER = re.compile(r"[0-9+*#()./ -]*\Z")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PhonebookSchema(Schema):
    """``[phonebook]``: every key is optional (conf.d/70-phonebook.toml)."""

    # NethVoice's centralized phonebook (read only), e.g. mysql+asyncmy://pbookuser:secret@localhost/phonebook
    centralized_url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    centralized_table = fields.String(
        load_default="phonebook", validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    )
    max_limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=100_000))
    import_max_bytes = fields.Integer(load_default=1 << 20, validate=validate.Range(min=1024, max=64 << 20))
    import_max_rows = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=1_000_000))


class Params(Schema):
    class Meta:
        unknown = EXCLUDE  # the original reads one dict of route, query and body parameters


class Term(Schema):
    term = fields.String(load_default="", validate=validate.Length(max=MAX_TERM))


class Page(Params):
    """``offset`` and ``limit`` (as the original: a limit only with both; ours is always bounded)."""

    offset = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_OFFSET))
    limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class Search(Page):
    view = fields.String(load_default="all", validate=validate.Length(max=20))  # other than person/company: all
    visibility = fields.String(load_default="all", validate=validate.OneOf(VISIBILITIES))
    sort = fields.String(load_default="company", validate=validate.OneOf(("", *SORTS)))


class Field(fields.String):
    """A column of the table: "" and null store NULL, numbers may come as JSON integers, lengths as the column's."""

    def __init__(self, column: str, **kwargs):
        self.column = column
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and self.column in NUMBERS:
            value = str(value)
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return None
        length = LENGTHS[self.column]
        if length is None:
            if len(value.encode()) > TEXT_BYTES:
                raise ValidationError(f"At most {TEXT_BYTES} bytes")
            return value
        if len(value) > length:
            raise ValidationError(f"At most {length} characters")
        if CONTROL.search(value):
            raise ValidationError("Control characters (tab, newline …) are not allowed")
        if self.column in NUMBERS and not NUMBER.match(value):
            raise ValidationError("Not a number: digits, spaces and + * # ( ) . / - only")
        if self.column in EMAILS:
            validate.Email()(value)
        return value


def _columns(**overrides: fields.Field) -> dict[str, fields.Field]:
    return {column: Field(column) for column in LENGTHS} | overrides


class Contact(Params.from_dict(_columns(name=Field("name", required=True)))):
    """POST /phonebook/create and each row of a CSV import; ``owner_id`` is always the caller."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(TYPES))


class ContactChanges(Params.from_dict(_columns())):
    """POST /phonebook/modify_cticontact: ``id`` and the columns to change (``owner_id``, ``source`` ignored)."""

    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    type = fields.String(validate=validate.OneOf(TYPES))


class ContactId(Params):
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class CsvImport(Params):
    file64 = fields.String(required=True)


def check_term(term: str) -> str:
    return Term().load({"term": term})["term"]


def check_id(value: str) -> int:
    return ContactId().load({"id": value})["id"]
