"""Errors of the /custcard API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError, BadRequest, Forbidden, GatewayTimeout, NotFound


class NotReadOnly(BadRequest):
    error_id, message = "custcard-query-refused", "Only one read-only SELECT is allowed"


class QueryFailed(APIError):
    status_code, error_id, message = 502, "custcard-query-failed", "The customer card's query failed"


class QueryTimeout(GatewayTimeout):
    error_id, message = "custcard-query-timeout", "The customer card's query did not answer in time"


class TemplateFailed(BadRequest):
    error_id, message = "custcard-template-error", "The customer card's template cannot be rendered"


class NoSuchConnection(NotFound):
    error_id, message = "no-such-custcard-connection", "No such customer card connection"


class NoSuchTemplate(NotFound):
    error_id, message = "no-such-custcard-template", "No such customer card template"


class PreviewForbidden(Forbidden):
    error_id, message = "custcard-preview-forbidden", "Only the customer card administrators may preview"
