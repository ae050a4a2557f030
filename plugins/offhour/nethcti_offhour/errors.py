"""Errors of the /offhour API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import APIError, BadRequest, Conflict, Forbidden, NotFound


class OffhourForbidden(Forbidden):
    error_id, message = "offhour-forbidden", "The user's profile does not allow this off-hour operation"


class NoSuchInboundRoute(NotFound):
    error_id, message = "no-such-inbound-route", "No inbound route with that DID and caller id"


class NoSuchAnnouncement(NotFound):
    error_id, message = "no-such-announcement", "No such announcement"


class AnnouncementFileMissing(NotFound):
    error_id, message = "announcement-file-missing", "The audio file of the announcement is missing"


class NoSuchRecording(NotFound):
    error_id, message = "no-such-recording", "No recording with that tempFilename"


class AnnouncementExists(Conflict):
    error_id, message = "announcement-exists", "The user already has an announcement with that description"


class UnsupportedAudio(BadRequest):
    error_id, message = "unsupported-audio", "audio_content: not a supported audio file"


class AudioTooLarge(APIError):
    status_code, error_id, message = 413, "audio-too-large", "audio_content: the file is too large"


class NoExtension(BadRequest):
    error_id, message = "no-extension", "The user has no extension to record from"
