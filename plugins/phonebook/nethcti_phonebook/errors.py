"""Errors of the /phonebook API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable


class NoSuchContact(NotFound):
    error_id, message = "no-such-contact", "No such contact"


class NotYourContact(Forbidden):
    error_id, message = "not-your-contact", "The contact belongs to another user"


class InvalidCsv(BadRequest):
    error_id, message = "invalid-csv", "The CSV file cannot be imported"


class PhonebookUnavailable(ServiceUnavailable):
    error_id, message = "phonebook-unavailable", "The phonebook database cannot be reached"
