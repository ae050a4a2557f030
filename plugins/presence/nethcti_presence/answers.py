"""The shapes of the /user answers, for /openapi.json; tests check live answers against them."""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer

Str = fields.String


class IdSchema(Answer):
    id = Str(required=True)


class ExtensionEndpointSchema(Answer):
    id = Str(required=True)
    type = Str(required=True, metadata={"description": "physical, webrtc, mobile …"})
    description = Str(required=True, allow_none=True, metadata={"description": "the phone's user agent"})


class EndpointsSchema(Answer):
    email = fields.List(fields.Nested(IdSchema), required=True)
    jabber = fields.List(fields.Nested(IdSchema), required=True)
    extension = fields.List(fields.Nested(ExtensionEndpointSchema), required=True)
    cellphone = fields.List(fields.Nested(IdSchema), required=True)
    voicemail = fields.List(fields.Nested(IdSchema), required=True)
    mainextension = fields.List(fields.Nested(IdSchema), required=True)


class UserSchema(Answer):
    """A user as /user/endpoints/all lists it."""

    name = Str(required=True)
    username = Str(required=True)
    mainPresence = Str(required=True)
    presence = Str(required=True)
    presenceOnBusy = Str(required=True)
    presenceOnUnavailable = Str(required=True)
    recallOnBusy = Str(required=True, metadata={"enum": ["enabled", "disabled"]})
    endpoints = fields.Nested(EndpointsSchema, required=True)


class MeSchema(UserSchema):
    """GET /user/me: the caller, with the profile (permissions by macro), settings and default device."""

    profile = fields.Dict(required=True, allow_none=True,
                          metadata={"description": "id, name, macro_permissions: {macro: {value, permissions}}"})
    settings = fields.Dict(required=True)
    default_device = fields.Nested(ExtensionEndpointSchema)
    lkhash = Str()


class PresenceSchema(Answer):
    status = Str(required=True)
    to = Str()


EVERYONE = {"type": "object", "additionalProperties": UserSchema}
PRESENCE_LIST = {"type": "array", "items": {"type": "string"}}
AVATARS = {"type": "object", "additionalProperties": {"type": "string"}, "description": "the avatars by username"}
SETTINGS = {"type": "object", "description": "the caller's settings by name (a value may be any JSON)"}
