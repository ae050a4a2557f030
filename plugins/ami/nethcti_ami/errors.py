"""Errors of the AMI service, one line each; every one is an APIError a route may let through."""

from nethcti.errors import APIError, BadRequest, GatewayTimeout, ServiceUnavailable


class AMIUnavailable(ServiceUnavailable):
    error_id, message = "ami-unavailable", "The PBX is not reachable right now"


class AMITimeout(GatewayTimeout):
    error_id, message = "ami-timeout", "The PBX did not answer in time"


class AMIInjection(BadRequest):
    error_id, message = "ami-injection", "A value contains a line break"


class AMIActionError(APIError):
    """Asterisk answered ``Response: Error``; ``response`` is its message, the text goes to the client."""

    status_code, error_id, message = 502, "ami-error", "The PBX refused the request"

    def __init__(self, message: str | None = None, details=None, response=None):
        super().__init__(message, details)
        self.response = response


class OriginateFailed(AMIActionError):
    error_id, message = "ami-originate-failed", "The call could not be placed"
