"""Errors of the /user API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import BadRequest, NotFound, ServiceUnavailable


class NoVoicemail(BadRequest):
    error_id, message = "no-voicemail", "status: the user has no voicemail box to forward to"


class NoCellphone(BadRequest):
    error_id, message = "no-cellphone", "status: the user has no cellphone to forward to"


class MobileNotConfigured(ServiceUnavailable):
    error_id, message = "mobile-not-configured", "No NethVoice database is configured to store mobile numbers"


class NoSuchPbxUser(NotFound):
    error_id, message = "no-such-pbx-user", "The user is not a user of the PBX (userman)"
