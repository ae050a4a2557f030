"""``[users]`` conf.d section: the JSON files to read and/or accounts and profiles written in TOML."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from nethcti_users.model import EXTENSION_TYPES

PERMISSION_NAME = validate.Regexp(
    r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$", error="expected 'macro' or 'macro.permission'"
)


class Text(fields.String):
    """A string that may be written as a TOML integer (``mainextension = 201``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class OneOrMany(fields.List):
    """A list of strings that may also be written as one string: ``voicemail = "201"``."""

    def __init__(self, **kwargs):
        super().__init__(Text(validate=validate.Length(min=1)), load_default=list, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        return super()._deserialize(value, attr, data, **kwargs)


class ExtensionSchema(Schema):
    id = Text(required=True, validate=validate.Length(min=1))
    type = fields.String(load_default="physical", validate=validate.OneOf(EXTENSION_TYPES))
    user = Text(load_default=None)
    password = fields.String(load_default=None, metadata={"secret": True})
    web_user = fields.String(load_default=None)
    web_password = fields.String(load_default=None, metadata={"secret": True})
    mac = fields.String(load_default=None)


class ExtensionField(fields.Field):
    """``"201"`` (a physical phone) or ``{ id = "92201", type = "webrtc", user = "…", password = "…" }``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = {"id": value}
        if not isinstance(value, dict):
            raise ValidationError("an extension is a number or a table with at least 'id'")
        return ExtensionSchema().load(value)


class AccountSchema(Schema):
    name = fields.String(load_default=None)  # display name; default: the username
    profile = Text(load_default=None)  # key of [users.profiles.*] or id in profiles_file; none = cannot log in
    mainextension = Text(load_default=None)
    extensions = fields.List(ExtensionField(), load_default=list)
    voicemail = OneOrMany()
    cellphone = OneOrMany()
    email = OneOrMany()
    jabber = OneOrMany()


class ProfileSchema(Schema):
    name = fields.String(load_default=None)  # default: the profile key
    permissions = fields.List(fields.String(validate=PERMISSION_NAME), load_default=list)


class UsersSchema(Schema):
    users_file = fields.String(load_default=None)  # NethVoice: /etc/nethcti/users.json
    profiles_file = fields.String(load_default=None)  # NethVoice: /etc/nethcti/profiles.json
    privacy_numbers = fields.String(load_default="xxx", validate=validate.Length(min=1))
    accounts = fields.Dict(keys=fields.String(validate=validate.Length(min=1)), values=fields.Nested(AccountSchema),
                           load_default=dict)
    profiles = fields.Dict(keys=fields.String(validate=validate.Length(min=1)), values=fields.Nested(ProfileSchema),
                           load_default=dict)
