"""Errors of the provisioning pass-through, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError, BadRequest, Forbidden


class NotYourPhone(Forbidden):
    error_id, message = "not-your-phone", "The phone is not one of the user's devices"


class NoPhoneInBody(BadRequest):
    error_id, message = "no-phone-in-body", "The request names no phone (MAC address)"


class ProvisioningUnreachable(APIError):
    status_code, error_id, message = 502, "provisioning-unreachable", "The provisioning server did not answer"


class ProvisioningTimeout(APIError):
    status_code, error_id, message = 504, "provisioning-timeout", "The provisioning server took too long"
