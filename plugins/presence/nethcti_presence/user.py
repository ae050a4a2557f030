"""``app.extensions["presence.user"]``: what the /user routes answer, from users, model, presences and settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nethcti_astproxy.errors import NotYourExtension

from nethcti import ServerEvent
from nethcti_presence import render, rules
from nethcti_presence.nethvoice import NethVoice
from nethcti_presence.service import FORWARD_PERMISSION, Presences
from nethcti_presence.settings import AVATAR, DEFAULT_EXTENSION, Settings

EVERYONE = "everyone"  # the websocket plugin's room of every logged-in socket (nethcti_websocket.rooms)

Emit = Callable[..., Awaitable[None]]


class UserService:
    """The caller's data, everybody's presence, settings and devices, as nethcti-server's user component."""

    def __init__(self, users: Any, astproxy: Any, presences: Presences, settings: Settings, nethvoice: NethVoice,
                 emit: Emit, chat_url: str | None = None, proxy_port: int | None = None):
        self.users, self.astproxy, self.presences = users, astproxy, presences
        self.settings, self.nethvoice, self.emit = settings, nethvoice, emit
        self.chat_url, self.proxy_port = chat_url, proxy_port

    # ------------------------------------------------------------------ reading

    def user_agent(self, exten: str) -> str | None:
        ext = self.astproxy.extension(exten)
        return (ext.useragent or None) if ext is not None else None

    def user_json(self, user: Any, viewer: Any, me: bool = False) -> dict:
        endpoints = render.endpoints_json(user, self.user_agent, own=user.username == viewer.username, me=me,
                                          chat_url=self.chat_url, proxy_port=self.proxy_port)
        return render.user_json(user, self.presences.state(user), endpoints,
                                self.nethvoice.recall_on_busy_of(user.username))

    async def me(self, user: Any) -> dict:
        out = self.user_json(user, user, me=True)
        settings = await self.settings.get(user.username)
        out["profile"] = render.profile_json(user.profile)
        device = render.default_device(user, out["endpoints"], settings.get(DEFAULT_EXTENSION))
        if device is not None:
            out["default_device"] = device
        out["settings"] = settings
        if self.nethvoice.lkhash:
            out["lkhash"] = self.nethvoice.lkhash
        return out

    def everyone(self, viewer: Any) -> dict:
        """GET /user/endpoints/all: every user."""
        self.astproxy.current()
        return {user.username: self.user_json(user, viewer) for user in self.users}

    def presence(self, user: Any, kind: str = "presence") -> dict:
        return self.presences.state(user).kind(kind).to_json()

    @staticmethod
    def presence_list(user: Any) -> list[str]:
        return rules.presence_list(user.can("settings.dnd"), user.can(FORWARD_PERMISSION), bool(user.cellphones),
                                   bool(user.voicemails))

    @staticmethod
    def conditional_presence_list() -> list[str]:
        return list(rules.CONDITIONAL_PRESENCES)

    async def avatars(self) -> dict[str, str]:
        return {username: avatar for username, avatar in (await self.settings.avatars()).items()
                if username in self.users}

    async def settings_of(self, user: Any) -> dict[str, Any]:
        return await self.settings.get(user.username)

    async def paramurl(self, user: Any) -> dict:
        return await self.nethvoice.paramurl(user.profile.id if user.profile is not None else None)

    # ------------------------------------------------------------------ writing

    async def set_default_device(self, user: Any, exten: str) -> None:
        if not user.owns_extension(exten):
            raise NotYourExtension(f"Extension {exten} is not one of yours", {"id": exten})
        await self.settings.set(user.username, {DEFAULT_EXTENSION: exten})
        # the newer server's event: the user's other clients (phone-island) switch device too
        await self.emit("updateDefaultDevice", exten, to=f"user:{user.username.lower()}", local=False)  # user_room

    async def save_settings(self, user: Any, values: dict[str, Any]) -> None:
        await self.settings.set(user.username, values)
        if AVATAR in values:
            await self.emit("userProfileAvatarUpdate", {"username": user.username, "avatar": values[AVATAR]},
                            to=EVERYONE, local=False)  # a REST change only this process saw

    async def delete_settings(self, user: Any, key: str | None = None) -> None:
        deleted = await self.settings.delete(user.username, key)
        if AVATAR in deleted:
            await self.emit("userProfileAvatarUpdate", {"username": user.username}, to=EVERYONE, local=False)

    async def set_mobile(self, user: Any, number: str) -> None:
        await self.nethvoice.set_mobile(user.username, number)

# What this service emits (the plugin's ``socketio_events``, listed in /openapi.json)
SERVER_EVENTS = (
    ServerEvent("updateDefaultDevice", "every socket of the user, after POST /user/default_device",
                {"type": "string"}, "the new default extension"),
    ServerEvent("userProfileAvatarUpdate", "every logged-in socket",
                {"type": "object", "required": ["username"],
                 "properties": {"username": {"type": "string"}, "avatar": {"type": "string"}}},
                "a user's avatar changed (no avatar: removed)"),
)
