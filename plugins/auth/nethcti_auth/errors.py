"""The errors the auth plugin answers with; ``error_id`` values are stable."""

from nethcti.errors import BadRequest, Forbidden, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    error_id, message = "invalid-credentials", "Wrong username or password"


class UserNotConfigured(Unauthorized):
    error_id, message = "user-not-configured", "The user is not configured"


class AuthenticationRequired(Unauthorized):
    error_id, message = "authentication-required", "This request needs an 'Authorization: <username>:<token>' header"


class InvalidToken(Unauthorized):
    error_id, message = "invalid-token", "The token is unknown, expired or revoked"


class SecondFactorRequired(Unauthorized):
    error_id, message = "second-factor-required", "Verify the one-time password first (POST /api/2fa/verify-otp)"


class MalformedAuthorization(BadRequest):
    error_id, message = "malformed-authorization", "The Authorization header must be '<username>:<token>'"


class PermissionDenied(Forbidden):
    error_id, message = "permission-denied", "The user's profile does not allow this"


class TooManyLoginFailures(TooManyRequests):
    error_id, message = "too-many-login-failures", "Too many failed logins; retry later"
