"""The errors the api plugin answers with; ``error_id`` values are stable."""

from nethcti.errors import BadRequest, NotFound, TooManyRequests


class InvalidOtp(BadRequest):
    error_id, message = "invalid-otp", "The one-time password or recovery code is wrong"


class NoSecret(NotFound):
    error_id, message = "no-2fa-secret", "Two-factor authentication is not set up: get a QR code first"


class TwoFactorAlreadyEnabled(BadRequest):
    error_id, message = "2fa-already-enabled", "Two-factor authentication is already enabled; disable it first"


class OtpUserMismatch(BadRequest):
    error_id, message = "otp-user-mismatch", "The username is not the one the token was issued to"


class TooManyOtpFailures(TooManyRequests):
    error_id, message = "too-many-otp-failures", "Too many wrong one-time passwords; retry later"


class InvalidAudience(BadRequest):
    error_id, message = "invalid-audience", "The audience must be 'phone-island' or 'mobile-app'"


class TooManyRequestsFromAddress(TooManyRequests):
    error_id, message = "rate-limited", "Too many requests from this address"
