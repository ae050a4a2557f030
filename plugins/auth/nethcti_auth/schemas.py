"""``[auth]`` configuration and the bodies of the /authentication routes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

SUBTYPE = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$", error="letters, digits, '_' or '-', at most 32")


class AuthSchema(Schema):
    authentication = fields.Boolean(load_default=True)  # false: any token is valid, passwords are not checked
    expiration_timeout = fields.Integer(load_default=3600, validate=validate.Range(min=1))  # seconds after last use
    nonce_timeout = fields.Integer(load_default=300, validate=validate.Range(min=1))  # a token never used dies then
    backend = fields.String(load_default="file")  # file, pam, or one a plugin registers
    passwords_file = fields.String(load_default=None)  # default <server.state_dir>/passwords
    pam_service = fields.String(load_default="login")
    max_login_failures = fields.Integer(load_default=5, validate=validate.Range(min=1))  # per user and client address
    max_user_failures = fields.Integer(load_default=20, validate=validate.Range(min=1))  # per user, all addresses
    max_address_failures = fields.Integer(load_default=20, validate=validate.Range(min=1))  # different users, 1 address
    max_concurrent_checks = fields.Integer(load_default=2, validate=validate.Range(min=1, max=64))  # 16 MiB each
    failure_window = fields.Integer(load_default=300, validate=validate.Range(min=1))  # seconds
    trusted_proxies = fields.List(fields.String(), load_default=lambda: ["127.0.0.1", "::1"])  # X-Forwarded-For


class Loose(fields.String):
    """A string the clients may also send as a JSON number (an extension typed as the username)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Loose(load_default="", validate=validate.Length(max=255))
    password = Loose(load_default="", validate=validate.Length(max=4096))


class PhoneIslandSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    subtype = fields.String(load_default=None, validate=SUBTYPE)


class PersistentRemoveSchema(PhoneIslandSchema):
    type = fields.String(required=True, validate=validate.OneOf(["phone-island", "no-exp"]))
