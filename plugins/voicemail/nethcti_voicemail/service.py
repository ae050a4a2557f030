"""``app.extensions["voicemail"]``: the /voicemail API's logic over a storage, and the live counters."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from loguru import logger
from marshmallow import ValidationError
from nethcti_websocket.rooms import EVERYONE, user_room

from nethcti import ServerEvent
from nethcti.errors import APIError
from nethcti_voicemail import audio
from nethcti_voicemail.errors import NoSuchGreeting, NoSuchMessage, NotYourVoicemail, NoVoicemailBox
from nethcti_voicemail.model import FOLDER_OF_TYPE, FOLDERS, Counts, Message

Emit = Callable[..., Awaitable[None]]
REFRESH_TIMEOUT = 2.0  # seconds for VoicemailRefresh, after the change is already made


class Storage(Protocol):
    kind: str

    def parse_id(self, raw: str) -> Any: ...
    async def list(self, box: str, folders) -> list[Message]: ...
    async def find(self, key: Any, boxes: tuple[str, ...]) -> Message | None: ...
    async def audio(self, message: Message) -> bytes | None: ...
    async def move(self, message: Message, to_folder: str) -> None: ...
    async def delete(self, message: Message) -> bool: ...
    async def counts(self, box: str) -> Counts: ...
    async def greeting(self, box: str, kind: str) -> bytes | None: ...
    async def set_greeting(self, box: str, kind: str, wav: bytes) -> None: ...
    async def delete_greeting(self, box: str, kind: str) -> bool: ...
    async def close(self) -> None: ...
    def describe(self) -> str: ...


class Voicemail:
    """Only the user's own boxes (users.json ``voicemail`` endpoints), as the original."""

    def __init__(self, storage: Storage, users: Any, ami: Any, emit: Emit, context: str,
                 max_greeting_bytes: int, static: Any):
        self.storage, self.users, self.ami, self.emit = storage, users, ami, emit
        self.context, self.max_greeting_bytes = context, max_greeting_bytes
        self.static = static  # the static plugin's one-shot files: publish(bytes, suffix) -> name
        self.published: dict[str, Counts] = {}  # what the sockets were last told, per box

    # -- messages

    async def list(self, user: Any, kind: str, offset: int, limit: int | None) -> dict | list:
        """``{count, rows}`` of the user's box; ``[]`` for a user without exactly one box, as the original."""
        if len(user.voicemails) != 1:
            return []
        folders = FOLDERS if kind == "all" else (FOLDER_OF_TYPE[kind],)
        messages = await self.storage.list(user.voicemails[0], folders)
        page = messages[offset:offset + limit if limit is not None else None]
        return {"count": len(messages), "rows": [message.row() for message in page]}

    async def message(self, user: Any, raw_id: str) -> Message:
        """The message ``raw_id``: 400 if it is no id at all, 404 if unknown, 403 in another box."""
        key = self.storage.parse_id(raw_id)
        if key is None:
            raise ValidationError({"id": [f"Not a voice message id of the {self.storage.kind} storage"]})
        message = await self.storage.find(key, tuple(user.voicemails))
        if message is None:
            raise NoSuchMessage(details={"id": raw_id})
        if message.box not in user.voicemails:
            raise NotYourVoicemail(details={"id": raw_id})
        return message

    async def listen(self, user: Any, raw_id: str) -> bytes:
        """The audio; a new message is then moved to Old, as a phone would after playing it."""
        message = await self.message(user, raw_id)
        recording = await self.storage.audio(message)
        if recording is None:
            raise NoSuchMessage("The voice message has no audio", {"id": raw_id})
        if message.folder == "INBOX":
            await self.storage.move(message, "Old")
            await self.changed(message.box)
        return recording

    async def download(self, user: Any, raw_id: str) -> str:
        return await self.static.publish(await self.listen(user, raw_id), ".wav")

    async def delete(self, user: Any, raw_id: str) -> None:
        message = await self.message(user, raw_id)
        if not await self.storage.delete(message):
            raise NoSuchMessage(details={"id": raw_id})
        await self.changed(message.box)

    async def new_counters(self) -> dict[str, dict[str, int]]:
        """Every box's new messages, from Asterisk (VoicemailUsersList), as the original."""
        entries = await self.ami.send_list_action({"Action": "VoicemailUsersList"})
        return {entry.get("VoiceMailbox"): {"newMessageCount": _int(entry.get("NewMessageCount"))}
                for entry in entries if entry.get("VMContext") == self.context and entry.get("VoiceMailbox")}

    # -- greetings

    def box(self, user: Any) -> str:
        if not user.voicemails:
            raise NoVoicemailBox(details={"username": user.username})
        return user.voicemails[0]

    async def greeting(self, user: Any, kind: str) -> bytes:
        recording = await self.storage.greeting(self.box(user), kind)
        if recording is None:
            raise NoSuchGreeting(details={"type": kind})
        return recording

    async def download_greeting(self, user: Any, kind: str) -> str:
        return await self.static.publish(await self.greeting(user, kind), ".wav")

    async def set_greeting(self, user: Any, kind: str, encoded: str) -> None:
        box = self.box(user)
        wav = audio.to_voicemail_wav(audio.decode(encoded, self.max_greeting_bytes))
        await self.storage.set_greeting(box, kind, wav)

    async def delete_greeting(self, user: Any, kind: str) -> None:
        if not await self.storage.delete_greeting(self.box(user), kind):
            raise NoSuchGreeting(details={"type": kind})

    # -- counters on the sockets

    async def changed(self, box: str) -> None:
        """After a change made here: tell the sockets, and ask app_voicemail to look again (phones' MWI)."""
        await self.publish(box, await self.storage.counts(box))
        try:
            await self.ami.send_action({"Action": "VoicemailRefresh", "Context": self.context, "Mailbox": box},
                                       REFRESH_TIMEOUT)
        except APIError as exc:
            logger.warning("voicemail: VoicemailRefresh of {}@{} failed: {}", box, self.context, exc)

    async def message_waiting(self, event: Any) -> None:
        """AMI ``MessageWaiting`` (``Mailbox: 201@default``, ``New``, ``Old``)."""
        box, _, context = str(event.get("Mailbox") or "").partition("@")
        if box and (context or "default") == self.context:
            await self.publish(box, Counts(_int(event.get("New")), _int(event.get("Old"))))

    async def publish(self, box: str, counts: Counts) -> None:
        """As the original: ``updateNewVoiceMessages`` to the box's owners, ``newVoiceMessageCounter`` to every
        socket; once per change of the counts (a change made here and Asterisk's report of it are one)."""
        if self.published.get(box) == counts:
            return
        self.published[box] = counts
        owners = [user_room(user.username) for user in self.users if box in user.voicemails]
        if owners:
            await self.emit("updateNewVoiceMessages", {box: {"inbox": counts.new, "old": counts.old}}, to=owners)
        await self.emit("newVoiceMessageCounter", {"voicemail": box, "counter": counts.new}, to=EVERYONE)

    async def close(self) -> None:
        await self.storage.close()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def encode(recording: bytes) -> str:
    return base64.b64encode(recording).decode("ascii")

# What this service emits (the plugin's ``socketio_events``, listed in /openapi.json)
SERVER_EVENTS = (
    ServerEvent("updateNewVoiceMessages", "the sockets of the box's owners",
                {"type": "object", "additionalProperties": {
                    "type": "object", "required": ["inbox", "old"],
                    "properties": {"inbox": {"type": "integer"}, "old": {"type": "integer"}}}}),
    ServerEvent("newVoiceMessageCounter", "every logged-in socket",
                {"type": "object", "required": ["voicemail", "counter"],
                 "properties": {"voicemail": {"type": "string"}, "counter": {"type": "integer"}}}),
)
