"""The APIError family: every error a client sees is one of these, rendered as one JSON shape."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error with an HTTP status and a stable ``error_id`` that clients and tests can rely on."""

    status_code = 500
    error_id = "internal-error"
    message = "Internal server error"

    def __init__(self, message: str | None = None, details: Any = None, headers: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details if details is not None else {}
        self.headers = headers or {}

    def to_dict(self) -> dict:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class BadRequest(APIError):
    status_code, error_id, message = 400, "invalid-request", "Invalid request"


class InvalidJSON(BadRequest):
    error_id, message = "invalid-json", "The request body is not valid JSON"


class Unauthorized(APIError):
    status_code, error_id, message = 401, "unauthorized", "Authentication required"


class Forbidden(APIError):
    status_code, error_id, message = 403, "forbidden", "Permission denied"


class NotFound(APIError):
    status_code, error_id, message = 404, "not-found", "Not found"


class Conflict(APIError):
    status_code, error_id, message = 409, "conflict", "Conflict"


class TooManyRequests(APIError):
    status_code, error_id, message = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(APIError):
    status_code, error_id, message = 503, "service-unavailable", "Service unavailable"


class GatewayTimeout(APIError):
    status_code, error_id, message = 504, "timeout", "The PBX did not answer in time"


class StartupError(Exception):
    """Configuration or plugin problem that stops the server before it serves anything."""
