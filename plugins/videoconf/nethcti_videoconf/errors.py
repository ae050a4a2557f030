"""Errors of the /videoconf API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError


class SmtpUnavailable(APIError):
    status_code, error_id, message = 502, "smtp-unavailable", "The mail server could not be reached"
