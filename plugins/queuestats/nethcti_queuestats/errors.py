"""Errors of the queue statistics API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import Forbidden, ServiceUnavailable


class QueueNotAllowed(Forbidden):
    error_id, message = "queue-not-allowed", "Not a supervisor of this queue"


class NotQueueMember(Forbidden):
    error_id, message = "not-queue-member", "None of the user's extensions is a member of this queue"


class QueueLogUnavailable(ServiceUnavailable):
    error_id, message = "queue-log-unavailable", "The queue_log database cannot be read"
