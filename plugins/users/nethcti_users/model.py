"""Users, their endpoints and profiles: immutable values, rebuilt whole on reload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EXTENSION_TYPES = ("physical", "webrtc", "mobile")


@dataclass(frozen=True, slots=True)
class Extension:
    """A phone of the user: ``type`` physical, webrtc or mobile, with the credentials NethVoice provisions."""

    id: str
    type: str = "physical"
    user: str | None = None  # SIP user of webrtc / mobile devices
    password: str | None = field(default=None, repr=False)  # SIP secret
    web_user: str | None = None  # HTTP API of physical phones (click-to-call)
    web_password: str | None = field(default=None, repr=False)
    mac: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile of permissions; ``granted`` holds ``"macro"`` and ``"macro.permission"`` names that are on."""

    id: str
    name: str
    granted: frozenset[str]
    document: Mapping[str, Any] = field(repr=False, compare=False)  # profiles.json shape, for /user/me

    def allows(self, name: str) -> bool:
        return name in self.granted


@dataclass(frozen=True, slots=True)
class User:
    """A CTI user: ``username`` (lower case), display ``name``, ``profile`` (None = not configured), endpoints."""

    username: str
    name: str
    profile: Profile | None
    mainextension: str | None = None
    extensions: tuple[Extension, ...] = ()
    voicemails: tuple[str, ...] = ()
    cellphones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    jabbers: tuple[str, ...] = ()
    extension_ids: frozenset[str] = field(default=frozenset(), repr=False)  # main + secondary, for ownership

    def __post_init__(self):
        if not self.extension_ids:
            ids = {e.id for e in self.extensions} | ({self.mainextension} if self.mainextension else set())
            object.__setattr__(self, "extension_ids", frozenset(ids))

    def owns_extension(self, exten: str) -> bool:
        return exten in self.extension_ids

    def extension(self, exten: str) -> Extension | None:
        return next((e for e in self.extensions if e.id == exten), None)

    def can(self, permission: str) -> bool:
        """``"macro"`` or ``"macro.permission"`` is on in this user's profile."""
        return self.profile is not None and permission in self.profile.granted
