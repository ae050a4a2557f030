"""Errors of the /streaming API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError, Conflict, Forbidden, NotFound


class SourceForbidden(Forbidden):
    error_id, message = "streaming-source-forbidden", "The user's profile does not allow this streaming source"


class NoSuchSource(NotFound):
    error_id, message = "no-such-streaming-source", "No such streaming source"


class SourceUnreachable(APIError):
    status_code, error_id, message = 502, "streaming-source-unreachable", "The streaming source gave no image"


class SourceNotOpenable(Conflict):
    error_id, message = "streaming-source-not-openable", "The streaming source has no extension or open command"
