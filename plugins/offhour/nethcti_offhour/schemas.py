"""The ``[offhour]`` conf.d section and the parameters of the /offhour routes."""

from __future__ import annotations

from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from nethcti.config import secret_field

ENABLED = ("always", "never", "period")
ACTIONS = ("audiomsg", "audiomsg_voicemail", "redirect")
PRIVACY = ("public", "private")
NUMBER = r"^[0-9A-Za-z_+*#.\[\]-]{0,50}$"     # a DID or caller id as FreePBX stores them (patterns too)
TARGET = r"^[0-9A-Za-z_+*#.-]{1,50}$"          # a voicemail box or a number to redirect to
TEXT = r"^[^\x00-\x1f\x7f]{1,50}$"              # a description: one line
TEMP_FILE = r"^[A-Za-z0-9_.@-]{1,120}\.wav$"   # what record_announcement answered


class OffhourSchema(Schema):
    """``[offhour]`` (conf.d/74-offhour.toml)."""

    asterisk_db_url = secret_field(required=True, validate=validate.Length(min=1))
    nethcti_db_url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    sounds_dir = fields.String(load_default="/var/lib/asterisk/sounds", validate=validate.Length(min=1))
    record_dir = fields.String(load_default="/var/spool/asterisk/tmp", validate=validate.Length(min=1))
    max_upload_bytes = fields.Integer(load_default=8 << 20, validate=validate.Range(min=1024, max=64 << 20))
    max_record_seconds = fields.Integer(load_default=120, validate=validate.Range(min=5, max=3600))
    create_tables = fields.Boolean(load_default=False)
    astdb = fields.Boolean(load_default=False)


class _Params(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def numbers_as_text(self, data, **kwargs):
        """The clients send ids as strings; a JSON number is as good."""
        if not isinstance(data, dict):
            return data
        return {key: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
                for key, value in data.items()}


def _when(text: str, field: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("not an ISO 8601 date and time", field) from None
    return int(moment.timestamp())  # naive: the server's local time, as moment() read it


class SetOffhour(_Params):
    calledIdNum = fields.String(required=True, validate=validate.Regexp(NUMBER))
    callerIdNum = fields.String(required=True, validate=validate.Regexp(NUMBER))
    enabled = fields.String(required=True, validate=validate.OneOf(ENABLED))
    start_date = fields.String(load_default=None, validate=validate.Length(max=40))
    end_date = fields.String(load_default=None, validate=validate.Length(max=40))
    action = fields.String(load_default=None, validate=validate.OneOf(ACTIONS))
    announcement_id = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{1,10}$"))
    voicemail_id = fields.String(load_default=None, validate=validate.Regexp(TARGET))
    redirect_to = fields.String(load_default=None, validate=validate.Regexp(TARGET))

    @validates_schema
    def complete(self, data, **kwargs):
        if data.get("enabled") == "period" or data.get("start_date") or data.get("end_date"):
            for field in ("start_date", "end_date"):
                if not data.get(field):
                    raise ValidationError("needed with enabled = period", field)
            if _when(data["end_date"], "end_date") <= _when(data["start_date"], "start_date"):
                raise ValidationError("must be after start_date", "end_date")
        needs = {"audiomsg": ("announcement_id",), "audiomsg_voicemail": ("announcement_id", "voicemail_id"),
                 "redirect": ("redirect_to",)}.get(data.get("action"), ())
        for field in needs:
            if not data.get(field):
                raise ValidationError(f"needed with action = {data['action']}", field)

    def period(self, data) -> tuple[int, int] | None:
        """(tsbegin, tsend) in Unix seconds, when dates were given."""
        if data.get("start_date") and data.get("end_date"):
            return _when(data["start_date"], "start_date"), _when(data["end_date"], "end_date")
        return None


class AnnouncementId(_Params):
    id = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,10}$"))


class ModifyAnnouncement(AnnouncementId):
    description = fields.String(load_default=None, validate=validate.Regexp(TEXT))
    privacy = fields.String(load_default=None, validate=validate.OneOf(PRIVACY))

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if data.get("description") is None and data.get("privacy") is None:
            raise ValidationError("description or privacy is needed", "description")


class NewAnnouncement(_Params):
    description = fields.String(required=True, validate=validate.Regexp(TEXT))
    privacy = fields.String(required=True, validate=validate.OneOf(PRIVACY))


class EnableAnnouncement(NewAnnouncement):
    tempFilename = fields.String(required=True, validate=validate.Regexp(TEMP_FILE))


class UploadAnnouncement(NewAnnouncement):
    audio_content = fields.String(required=True, validate=validate.Length(min=1))
