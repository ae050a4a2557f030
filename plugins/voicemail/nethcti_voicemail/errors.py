"""Errors of the /voicemail API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError, BadRequest, Forbidden, NotFound, ServiceUnavailable


class NoSuchMessage(NotFound):
    error_id, message = "no-such-voice-message", "No such voice message"


class NotYourVoicemail(Forbidden):
    error_id, message = "not-your-voicemail", "The voice message is in a voicemail box that is not yours"


class NoVoicemailBox(NotFound):
    error_id, message = "no-voicemail-box", "The user has no voicemail box"


class NoSuchGreeting(NotFound):
    error_id, message = "no-such-greeting", "No such custom greeting in the voicemail box"


class BadAudio(BadRequest):
    error_id, message = "unsupported-audio", "audio: not a supported WAV file"


class AudioTooLarge(APIError):
    status_code, error_id, message = 413, "audio-too-large", "audio: the greeting is too large"


class MailboxLocked(ServiceUnavailable):
    error_id, message = "voicemail-busy", "Asterisk holds the voicemail folder locked; try again"
