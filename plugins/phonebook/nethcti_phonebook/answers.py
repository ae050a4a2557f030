"""The shapes of the /phonebook answers, for /openapi.json; tests check live answers against them."""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer
from nethcti_phonebook.tables import CTI_ONLY, FIELDS

# a row as the original answers it: every column of cti_phonebook ("" extension/speeddial_num when centralized)
ContactSchema = type("ContactSchema", (Answer,), {
    "__module__": __name__,
    "__doc__": "A contact: every NethVoice column, and the source it comes from.",
    "id": fields.Integer(required=True),
    "owner_id": fields.String(required=True, allow_none=True),
    "type": fields.String(required=True, allow_none=True, metadata={"description": "private, public, speeddial"}),
    "source": fields.String(required=True, metadata={"enum": ["cti", "centralized"]}),
    **{name: fields.String(required=True, allow_none=True) for name, _ in FIELDS + CTI_ONLY},
})

# a page of contacts, or with view=company of company cards with their contacts
SEARCH = {"type": "object", "required": ["count", "rows"],
          "properties": {"count": {"type": "integer"}, "rows": {"type": "array", "items": {"anyOf": [
              ContactSchema, {"type": "object", "required": ["company", "contacts"]}]}}}}
SPEEDDIALS = {"type": "array", "items": ContactSchema}
CREATED = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
