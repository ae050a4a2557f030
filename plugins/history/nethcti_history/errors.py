"""Errors of the history API, one line each; ``error_id`` values are stable (docs/errors.md)."""

from nethcti.errors import Forbidden, NotFound, ServiceUnavailable


class HistoryForbidden(Forbidden):
    error_id, message = "history-forbidden", "Not allowed to see this call history"


class RecordingForbidden(Forbidden):
    error_id, message = "recording-forbidden", "Not allowed to use the recording of this call"


class NoSuchRecording(NotFound):
    error_id, message = "no-such-recording", "The call has no recording"


class RecordingFileMissing(NotFound):
    error_id, message = "recording-file-missing", "The recording's file is not on disk"


class CdrUnavailable(ServiceUnavailable):
    error_id, message = "cdr-unavailable", "The CDR database cannot be read"
