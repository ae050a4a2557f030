"""The ``[videoconf]`` conf.d section and the body of ``POST /videoconf/send_emails``."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from nethcti.config import secret_field

HOST = validate.Regexp(r"[A-Za-z0-9.:\[\]-]{1,253}\Z", error="Not a host name")


class VideoconfSchema(Schema):
    """``[videoconf]``: every key is optional (conf.d/72-videoconf.toml)."""

    url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False)  # Jitsi base
    video_conf_json = fields.String(load_default=None, allow_none=True)  # NethVoice: /etc/nethcti/video_conf.json
    # invitations (the original's mailer.json: address, port, sender)
    smtp_host = fields.String(load_default="localhost", validate=HOST)
    smtp_port = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    smtp_tls = fields.String(load_default="none", validate=validate.OneOf(["none", "starttls", "tls"]))
    smtp_username = fields.String(load_default=None, allow_none=True)
    smtp_password = secret_field(load_default=None, allow_none=True)
    smtp_timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))
    sender = fields.Email(load_default=None, allow_none=True)  # default: noreply@<the machine's domain>
    max_recipients = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))


def texts(max_length: int, one_line: bool = False) -> fields.Dict:
    """``{"<lang>": "<text>"}``; a subject is one line (a CR or LF would start a new mail header)."""
    checks = [validate.Length(max=max_length)]
    if one_line:
        checks.append(validate.Regexp(r"[^\r\n]*\Z", error="A subject is one line"))
    return fields.Dict(keys=language(), values=fields.String(validate=checks), required=True,
                       validate=validate.Length(min=1, max=50))


def language() -> fields.String:
    return fields.String(validate=validate.Regexp(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?\Z", error="Not a language"))


class Email(Schema):
    subject = texts(500, one_line=True)
    body = texts(20_000)


class SendEmails(Schema):
    """``{"list": {"<address>": "<lang>"}, "email": {"subject": {<lang>: …}, "body": {<lang>: …}}}``."""

    class Meta:
        unknown = EXCLUDE

    list = fields.Dict(keys=fields.Email(), values=language(), required=True, validate=validate.Length(min=1))
    email = fields.Nested(Email, required=True)

    def __init__(self, max_recipients: int, **kwargs):
        super().__init__(**kwargs)
        self.max_recipients = max_recipients

    @validates_schema
    def _bounded_and_translated(self, data, **_kwargs):
        recipients, email = data.get("list", {}), data.get("email", {})
        if len(recipients) > self.max_recipients:
            raise ValidationError(f"At most {self.max_recipients} recipients", "list")
        for address, language in recipients.items():
            for part in ("subject", "body"):
                if language not in email.get(part, {}):
                    raise ValidationError(f"No {part} in language {language!r} (for {address})", "email")
