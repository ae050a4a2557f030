"""The ``[openapi]`` conf.d section, and the one error body every route answers with."""

from __future__ import annotations

from marshmallow import Schema, fields


class OpenapiSchema(Schema):
    docs = fields.Boolean(load_default=True)  # serve the Swagger UI page at /docs
    public = fields.Boolean(load_default=True)  # /openapi.json and /docs without a token


class ErrorSchema(Schema):
    """Every error's body (nethcti.errors, docs/errors.md)."""

    error_id = fields.String(required=True, metadata={"description": "stable: clients and tests rely on it"})
    message = fields.String(required=True, metadata={"description": "for people; may change"})
    details = fields.Raw(required=True, metadata={"description": "per-field messages of a validation error, "
                                                                 "or context ({\"permission\": …})"})
