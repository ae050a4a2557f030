"""``app.extensions["streaming"]``: who may see which source, its image, opening its door, pushing its frames."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from loguru import logger

from nethcti import ServerEvent
from nethcti_streaming.errors import NoSuchSource, SourceForbidden, SourceNotOpenable, SourceUnreachable
from nethcti_streaming.frames import ImageError, fetch_image
from nethcti_streaming.sources import Source

EVENT = "streamingSourceUpdate"
DTMF_GAP = 0.3  # s before each digit played on a live channel, as the original
DTMF_PAUSE = 0.5  # s for a "w" in the open command (SendDTMF's own meaning of w)
RING_TIMEOUT = 15.0  # s the source's extension may take to answer the call that sends the DTMF
CALLER_ID_UNSAFE = re.compile(r'["<>\\]')

Emit = Callable[..., Awaitable[None]]
Spawn = Callable[[Awaitable, str], asyncio.Task]


class Streaming:
    """Sources, subscriptions and one frame task per subscribed source.

    ``websocket`` is the websocket plugin's service (``sids_of``, ``join_user``, ``leave_user``), ``emit`` the
    app's emit, ``spawn`` the app's owned-task starter; ``ami`` and ``astproxy`` open doors.
    """

    def __init__(self, sources: Mapping[str, Source], *, image_timeout: float, max_image_bytes: int, ami: Any,
                 astproxy: Any, websocket: Any, emit: Emit, spawn: Spawn, client: httpx.AsyncClient | None = None):
        self.sources = dict(sources)
        self.image_timeout, self.max_image_bytes = image_timeout, max_image_bytes
        self.ami, self.astproxy, self.websocket, self.emit, self.spawn = ami, astproxy, websocket, emit, spawn
        self.client = client or httpx.AsyncClient(follow_redirects=False)
        self.subscriptions: dict[str, dict[str, set[str]]] = {}  # source id -> username -> socket ids subscribed
        self.pollers: dict[str, asyncio.Task] = {}
        self.frames_sent = self.fetch_failures = 0

    # -- access

    def allowed(self, user: Any) -> list[Source]:
        """The sources ``user`` may use: the ``streaming`` macro and the source's own permission."""
        return [s for s in self.sources.values() if user.can(s.permission)]

    def source_for(self, user: Any, source_id: str) -> Source:
        """403 if the profile does not allow ``source_id`` (known or not, as the original), 404 if it is unknown."""
        if not user.can(f"streaming.{source_id}"):
            raise SourceForbidden(details={"id": source_id})
        source = self.sources.get(source_id)
        if source is None:
            raise NoSuchSource(f"No streaming source {source_id}", {"id": source_id})
        return source

    def sources_json(self, user: Any) -> dict[str, dict]:
        return {s.id: s.to_json() for s in self.allowed(user)}

    # -- one image

    async def fetch(self, source: Source) -> str:
        return await fetch_image(self.client, source, self.image_timeout, self.max_image_bytes)

    async def image(self, user: Any, source_id: str) -> dict[str, str]:
        source = self.source_for(user, source_id)
        try:
            return {"id": source.id, "image": await self.fetch(source)}
        except ImageError as exc:
            logger.warning("streaming: image of {}: {}", source.id, exc)
            raise SourceUnreachable(f"Streaming source {source.id}: {exc}", {"id": source.id}) from None

    # -- the door

    async def open(self, user: Any, source_id: str) -> None:
        """Send the source's DTMF to its extension: on its live channel if it is in a call (the door phone
        ringing the user), else by calling it; the caller id is the user and their default extension."""
        source = self.source_for(user, source_id)
        if not source.extension or not source.open:
            raise SourceNotOpenable(details={"id": source.id})
        channel = self._live_channel(source.extension)
        if channel is not None:
            for digit in source.open:
                await asyncio.sleep(DTMF_PAUSE if digit == "w" else DTMF_GAP)
                if digit != "w":
                    await self.ami.send_action({"Action": "PlayDTMF", "Channel": channel, "Digit": digit})
        else:
            await self.ami.originate(f"PJSIP/{source.extension}", application="SendDTMF", data=f"w{source.open}",
                                     caller_id=self._caller_id(user), ring_timeout=RING_TIMEOUT)
        logger.warning("streaming: {} opened by {}", source.id, user.username)

    def _live_channel(self, exten: str) -> str | None:
        extension = self.astproxy.extension(exten)
        if extension is None:
            return None
        return next((name for name in extension.channels if name.lower().startswith(f"pjsip/{exten}-")), None)

    def _caller_id(self, user: Any) -> str:
        chosen = self.astproxy.default_extension(user)
        exten = chosen if chosen and user.owns_extension(chosen) else user.mainextension or ""
        return f'"{CALLER_ID_UNSAFE.sub("", user.username)}" <{exten}>'

    # -- frames to subscribers

    async def subscribe(self, user: Any, source_id: str) -> None:
        """Put the user's sockets in the source's room; frames flow while any of them is there."""
        source = self.source_for(user, source_id)
        await self.websocket.join_user(user.username, source.room)
        sids = set(self.websocket.sids_of(user.username))
        if not sids:
            return
        self.subscriptions.setdefault(source.id, {}).setdefault(user.username, set()).update(sids)
        poller = self.pollers.get(source.id)
        if poller is None or poller.done():
            self.pollers[source.id] = self.spawn(self._push_frames(source.id), f"streaming-{source.id}")

    async def unsubscribe(self, user: Any, source_id: str) -> None:
        source = self.source_for(user, source_id)
        await self.websocket.leave_user(user.username, source.room)
        self.subscriptions.get(source.id, {}).pop(user.username, None)
        if not self._has_subscribers(source.id):
            self._stop(source.id)

    def _has_subscribers(self, source_id: str) -> bool:
        """Forget subscribed sockets that are gone; True while one is left."""
        users = self.subscriptions.get(source_id, {})
        for username in list(users):
            alive = users[username] & set(self.websocket.sids_of(username))
            if alive:
                users[username] = alive
            else:
                del users[username]
        if not users:
            self.subscriptions.pop(source_id, None)
        return bool(users)

    def _stop(self, source_id: str) -> None:
        poller = self.pollers.pop(source_id, None)
        if poller is not None and poller is not asyncio.current_task():
            poller.cancel()

    async def _push_frames(self, source_id: str) -> None:
        """Every ``frame_rate`` ms while someone is subscribed: fetch one image, emit it to the room."""
        failing = False
        try:
            while (source := self.sources.get(source_id)) is not None and self._has_subscribers(source_id):
                started = time.monotonic()
                try:
                    image = await self.fetch(source)
                except ImageError as exc:
                    self.fetch_failures += 1
                    if not failing:  # once per failing streak, as the original
                        logger.warning("streaming: no frame from {}: {}", source_id, exc)
                    failing = True
                else:
                    failing = False
                    if self._has_subscribers(source_id):
                        await self.emit(EVENT, {"streaming": {"source": source_id, "image": image}}, to=source.room,
                                        local=True)
                        self.frames_sent += 1
                await asyncio.sleep(max(0.0, source.frame_rate / 1000 - (time.monotonic() - started)))
        finally:
            if self.pollers.get(source_id) is asyncio.current_task():
                del self.pollers[source_id]

    # -- life

    def replace_sources(self, sources: Mapping[str, Source]) -> None:
        """After a reload: frame tasks of removed sources end at their next frame."""
        self.sources = dict(sources)

    async def close(self) -> None:
        for source_id in list(self.pollers):
            self._stop(source_id)
        await self.client.aclose()

    def status(self) -> dict[str, Any]:
        return {"ok": True, "sources": len(self.sources), "streaming": sorted(self.pollers),
                "frames_sent": self.frames_sent, "fetch_failures": self.fetch_failures}

# What this service emits (the plugin's ``socketio_events``, listed in /openapi.json)
SERVER_EVENTS = (
    ServerEvent(EVENT, "room `streaming_<id>`: the sockets subscribed with POST /streaming/subscribe",
                {"type": "object", "required": ["streaming"], "properties": {"streaming": {
                    "type": "object", "required": ["source", "image"],
                    "properties": {"source": {"type": "string"}, "image": {"type": "string"}}}}},
                "a frame of a door phone or camera"),
)
