"""PBX and presence events -> socket.io events, each serialized once per audience (a room), never per socket.

The model plugin renders objects; a renderer is told what to mask: ``render(mask_out, mask_in)`` for
extensions (numbers and names of calls not through a queue / through a queue, as the original's
``toJSON(privacyStrReplace, …)``), ``render(masked)`` for queues, parkings and trunks.
Every PBX event is emitted with ``local=True``: each process keeps its own model from its own AMI link,
so each one tells its own sockets (with a Redis manager the event would otherwise arrive once per process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from nethcti import ServerEvent
from nethcti_websocket import rooms as R
from nethcti_websocket.rooms import user_room

RenderExtension = Callable[[bool, bool], Any]
Render = Callable[[bool], Any]


class EventHooks:
    """The audiences of the original's events, with per-recipient privacy as its REST API."""

    def __init__(self, emit, users, websocket):
        self.emit, self.users, self.ws = emit, users, websocket

    def owner_room(self, exten: str) -> str | None:
        user = self.users.by_extension(exten)
        return user_room(user.username) if user is not None else None

    # -- extensions: every logged-in socket, privacy per recipient class; the owner always sees it clear

    async def extension_changed(self, exten: str, render: RenderExtension) -> None:
        owner = self.users.by_extension(exten)
        skip = self.ws.sids_of(owner.username) if owner is not None else []
        clear = [R.CLEAR, user_room(owner.username)] if owner is not None else R.CLEAR
        # every variant is rendered before the first await: the model object may change meanwhile
        variants = [(render(False, False), clear)] if skip or self.ws.sessions.occupied(R.CLEAR) else []
        if self.ws.sessions.occupied(R.PRIVACY):
            variants.append((render(True, True), R.PRIVACY))
        if self.ws.sessions.occupied(R.PRIVACY_QUEUES_CLEAR):
            variants.append((render(True, False), R.PRIVACY_QUEUES_CLEAR))
        for payload, to in variants:
            await self.emit("extenUpdate", payload, to=to, skip=None if to is clear else skip, local=True)

    # -- call moments: the sockets of the extension's owner, in clear

    async def ringing(self, exten: str, payload: dict) -> None:
        if room := self.owner_room(exten):
            await self.emit("extenRinging", payload, to=room, local=True)

    async def connected(self, num1: str, payload: dict) -> None:
        if room := self.owner_room(num1):
            await self.emit("extenConnected", {"extenConnected": num1}, to=room, local=True)
            await self.emit("extenConvConnected", payload, to=room, local=True)

    async def hangup(self, exten: str, payload: dict) -> None:
        if room := self.owner_room(exten):
            await self.emit("extenHangup", payload, to=room, local=True)

    # -- queues, parkings, trunks: the permission rooms, a clear and a masked variant

    async def _two_variants(self, event: str, render: Render, clear: str, masked: str) -> None:
        variants = [(render(False), clear)] if self.ws.sessions.occupied(clear) else []
        if self.ws.sessions.occupied(masked):
            variants.append((render(True), masked))
        for payload, to in variants:
            await self.emit(event, payload, to=to, local=True)

    async def queue_changed(self, render: Render) -> None:
        await self._two_variants("queueUpdate", render, R.QUEUES_CLEAR, R.QUEUES_PRIVACY)

    async def queue_member_changed(self, payload: dict) -> None:
        """A member shows no caller: one payload for both queue rooms."""
        await self.emit("queueMemberUpdate", payload, to=[R.QUEUES_CLEAR, R.QUEUES_PRIVACY], local=True)

    async def parking_changed(self, render: Render) -> None:
        await self._two_variants("parkingUpdate", render, R.PARKINGS_CLEAR, R.PARKINGS_PRIVACY)

    async def trunk_changed(self, render: Render) -> None:
        await self._two_variants("trunkUpdate", render, R.TRUNKS_CLEAR, R.TRUNKS_PRIVACY)

    # -- conferences: the owner of the room and the owners of the extensions in it

    async def conference_changed(self, conf_id: str, extens: Iterable[str], payload: dict) -> None:
        rooms = {room for exten in (conf_id, *extens) if (room := self.owner_room(exten))}
        if rooms:
            await self.emit("confBridgeUpdate", payload, to=sorted(rooms), local=True)

    async def conference_ended(self, conf_id: str) -> None:
        if room := self.owner_room(conf_id):
            await self.emit("confBridgeEnd", {"id": conf_id}, to=room, local=True)

    # -- everyone

    async def model_reloaded(self) -> None:
        await self.emit("serverReloaded", None, to=R.EVERYONE, local=True)

    async def user_presence_changed(self, username: str, kind: str, status: str, to: str | None = None) -> None:
        """``kind``: "presence", "presence_onbusy" or "presence_onunavailable"; ``to`` only with callforward."""
        await self.emit("userPresenceUpdate", {kind: _presence(username, status, to)}, to=R.EVERYONE, local=True)

    async def user_main_presence_changed(self, username: str, status: str, to: str | None = None) -> None:
        await self.emit("userMainPresenceUpdate", {"mainPresence": _presence(username, status, to)},
                        to=R.EVERYONE, local=True)


def _presence(username: str, status: str, to: str | None) -> dict:
    return {"username": username, "status": status, **({"to": to} if to else {})}


def _object(*required: str, **properties: dict) -> dict:
    return {"type": "object", "required": list(required), "properties": properties}


_STRING, _ANY = {"type": "string"}, {}
_PRESENCE = _object("username", "status", username=_STRING, status=_STRING, to=_STRING)
_ROOMS = "rooms `{}_ast_evt_clear` / `{}_ast_evt_privacy` (the masked variant)"

# What this plugin emits (the plugin's ``socketio_events``, listed in /openapi.json); docs/websocket.md "Events".
# The PBX objects are the astproxy plugin's answers: referenced by component name, the plugin that renders them.
SERVER_EVENTS = (
    ServerEvent("extenUpdate", "every logged-in socket; masked per recipient's privacy class",
                "astproxy.answers.ExtensionSchema", "an extension changed, as GET /astproxy/extension/{exten}"),
    ServerEvent("extenRinging", "the owner of the ringing extension",
                _object("numCalled", "callerNum", "callerName", numCalled=_STRING, callerNum=_STRING,
                        callerName=_STRING, callerHasConf=_ANY)),
    ServerEvent("extenConnected", "the owner of the extension", _object("extenConnected", extenConnected=_STRING)),
    ServerEvent("extenConvConnected", "the owner of num1",
                _object("num1", "num2", num1=_STRING, num2=_STRING, direction=_STRING, uniqueid=_STRING,
                        linkedid=_STRING, throughTrunk=_ANY)),
    ServerEvent("extenHangup", "the owner of channelExten",
                _object("channelExten", cause=_ANY, callerNum=_STRING, channelExten=_STRING, calledNum=_STRING)),
    ServerEvent("queueUpdate", _ROOMS.format("queues", "queues"), "astproxy.answers.QueueSchema",
                "a queue, as GET /astproxy/queues (waiting callers masked in the privacy room)"),
    ServerEvent("queueMemberUpdate", _ROOMS.format("queues", "queues"), "astproxy.answers.QueueMemberSchema"),
    ServerEvent("parkingUpdate", _ROOMS.format("parkings", "parkings"), "astproxy.answers.ParkingSchema"),
    ServerEvent("trunkUpdate", _ROOMS.format("trunks", "trunks"), "astproxy.answers.TrunkSchema"),
    ServerEvent("confBridgeUpdate", "the owner of the conference and the owners of the extensions in it",
                _object("id", "users", id=_STRING, users={"type": "object", "additionalProperties": _object(
                    "id", id=_STRING, name=_STRING, site=_ANY, owner=_ANY, muted=_ANY, prefix=_ANY,
                    extenId=_STRING)})),
    ServerEvent("confBridgeEnd", "the owner of the conference", _object("id", id=_STRING)),
    ServerEvent("serverReloaded", "every logged-in socket", None, "the PBX model was rebuilt (AMI reconnection)"),
    ServerEvent("userPresenceUpdate", "every logged-in socket",
                {"type": "object", "minProperties": 1, "maxProperties": 1,
                 "properties": {"presence": _PRESENCE, "presence_onbusy": _PRESENCE,
                                "presence_onunavailable": _PRESENCE}}),
    ServerEvent("userMainPresenceUpdate", "every logged-in socket", _object("mainPresence", mainPresence=_PRESENCE)),
    # the protocol itself (service.py)
    ServerEvent("authe_ok", "the socket that logged in", _object("message", message=_STRING)),
    ServerEvent("401", "the socket whose login failed", _object("message", message=_STRING)),
    ServerEvent("takeOver", "the old socket on a second login", None, "acknowledge with takeOverAck"),
    ServerEvent("message", "the sockets of destUser", _ANY, "what the sender emitted with message"),
)
