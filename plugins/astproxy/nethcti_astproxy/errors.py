"""Errors of the /astproxy API, one line each; ``error_id`` values are stable."""

from nethcti.errors import Forbidden, NotFound, ServiceUnavailable


class ModelNotReady(ServiceUnavailable):
    error_id, message = "pbx-model-not-ready", "The PBX state is not loaded yet"


class NoSuchExtension(NotFound):
    error_id, message = "no-such-extension", "No such extension"


class NotYourExtension(Forbidden):
    error_id, message = "not-your-extension", "The extension does not belong to the user"
