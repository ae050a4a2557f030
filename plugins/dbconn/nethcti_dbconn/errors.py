"""Errors of the /dbconn API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import BadRequest, Forbidden, ServiceUnavailable


class DbconnForbidden(Forbidden):
    error_id, message = "dbconn-forbidden", "Only the users in [dbconn] admins may test database connections"


class DbconnTypeUnsupported(BadRequest):
    error_id, message = "dbconn-type-unsupported", "type: no driver for this database type is installed"


class DbconnUnreachable(ServiceUnavailable):
    error_id, message = "dbconn-unreachable", "The database could not be reached with these parameters"
