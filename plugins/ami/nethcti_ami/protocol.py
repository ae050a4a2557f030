"""The AMI wire: Asterisk's byte stream -> panoramisk Messages; responses matched to actions by ActionID.

panoramisk gives the message model (case-insensitive, missing headers read as '') and the action
(ActionID, future). Parsing is done here, cheaply: this is the hot path, thousands of events per
second, and panoramisk's own protocol logs every message. Replies are collected here too: panoramisk's
guess of which replies are lists never resolves some actions (QueueAdd's "Added interface to queue").
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable, Mapping

from loguru import logger
from panoramisk.actions import Action
from panoramisk.message import Message

from nethcti_ami.errors import AMIUnavailable
from nethcti_ami.meter import RateMeter

BANNER = b"Asterisk Call Manager/"
MESSAGE_END = b"\r\n\r\n"
MAX_PENDING_BYTES = 4 * 1024 * 1024  # one message larger than this is not Asterisk talking


def parse_message(block: str) -> Message | None:
    """One message (lines ``Key: value``) -> Message; repeated keys become lists; None if neither event nor response."""
    store: dict[str, tuple[str, object]] = {}
    for line in block.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            if not line.endswith(":"):
                continue  # blank line, or the body of an old-style "Response: Follows"
            key, value = line[:-1], ""
        lowered = key.lower()
        old = store.get(lowered)
        if old is None:
            store[lowered] = (key, value)
        elif isinstance(old[1], list):
            old[1].append(value)
        else:
            store[lowered] = (key, [old[1], value])
    if "event" not in store and "response" not in store:
        return None
    message = Message.__new__(Message)  # skip Message.__init__: it re-inserts every header one by one
    message._store = store
    message.manager = None
    return message


class Request(Action):
    """An action waiting for its replies, by what it ``expect``s after the first one:

    ``"list"``: the events of a list Asterisk announces (``EventList: start`` or "… will follow"), up
    to its ``…Complete`` event; ``"originate"``: the OriginateResponse event of a queued async Originate.
    The future gets the first reply alone when nothing follows it, else the list of every reply.
    """

    def __init__(self, fields: Mapping[str, object], expect: str = "list"):
        super().__init__(fields)
        self.expect = expect

    def add_message(self, message: Message) -> bool:
        """Collect one reply; True when complete."""
        self.responses.append(message)
        if len(self.responses) == 1:
            if self._more_follows(message):
                return False
            result = message
        elif self._is_last(message):
            result = self.responses
        else:
            return False
        if not self.future.done():
            self.future.set_result(result)
        return True

    def _more_follows(self, first: Message) -> bool:
        if first.get("Response") != "Success":
            return False
        if self.expect == "originate":
            return True
        return first.get("EventList", "").lower() == "start" or "will follow" in first.get("Message", "").lower()

    def _is_last(self, message: Message) -> bool:
        if self.expect == "originate":
            return message.get("Event") == "OriginateResponse"
        return message.get("EventList", "").lower() == "complete" or message.get("Event", "").endswith("Complete")


def encode_action(fields: Mapping[str, object]) -> bytes:
    """Serialize an action: ``Action`` first, list values as repeated headers."""
    lines = []
    for key, value in sorted(fields.items(), key=lambda item: item[0].lower() != "action"):
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key}: {item}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


class AMIProtocol(asyncio.Protocol):
    """One TCP session with Asterisk; ``on_event(message, name)`` receives every event not owned by an action."""

    def __init__(self, on_event: Callable[[Message, str], None], meter: RateMeter):
        loop = asyncio.get_running_loop()
        self.on_event = on_event
        self.meter = meter
        self.transport: asyncio.Transport | None = None
        self.pending: dict[str, Request] = {}
        # Our ActionIDs: a reply carrying one is never an event, even when it comes too late.
        self.id_prefix = f"nethcti-{secrets.token_hex(4)}-"
        self._ids = itertools.count(1)
        self.ami_version: str | None = None
        self.booted = loop.create_future()  # FullyBooted seen
        self.closed = loop.create_future()  # result: why the session ended
        self._buffer = b""

    # -- asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        if self.ami_version is None:
            buffer = self._banner(buffer)
            if buffer is None:
                return
        end = buffer.rfind(MESSAGE_END)
        if end < 0:
            self._buffer = buffer
            if len(buffer) > MAX_PENDING_BYTES:
                self.close(f"a message longer than {MAX_PENDING_BYTES} bytes")
            return
        self._buffer = buffer[end + 4 :]
        events = 0
        for block in buffer[:end].decode("utf-8", "replace").split("\r\n\r\n"):
            message = parse_message(block)
            if message is not None and self._route(message):
                events += 1
        if events:
            self.meter.add(events)

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(f"{exc}" if exc else "closed by Asterisk")

    # -- actions
    def send(self, fields: Mapping[str, object], expect: str = "list", track: bool = True) -> Request:
        """Write an action; its ``future`` resolves to the reply, or the list of replies (see Request)."""
        if self.closed.done():
            raise AMIUnavailable(f"The AMI link is closing: {self.closed.result()}")
        action = Request({**fields, "ActionID": f"{self.id_prefix}{next(self._ids)}"}, expect)
        if track:
            self.pending[action.action_id] = action
        self.transport.write(encode_action(action))
        return action

    def forget(self, action: Request) -> None:
        self.pending.pop(action.action_id, None)

    def close(self, reason: str) -> None:
        """Close the session (idempotent); pending actions fail with AMIUnavailable."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self._end(reason)

    # -- internals
    def _banner(self, buffer: bytes) -> bytes | None:
        eol = buffer.find(b"\r\n")
        if eol < 0:
            self._buffer = buffer
            if len(buffer) > 1024:
                self.close("no AMI banner: is this an Asterisk manager port?")
            return None
        first = buffer[:eol]
        if not first.startswith(BANNER):
            self.close(f"not an Asterisk manager: it greeted with {first[:80]!r}")
            return None
        self.ami_version = first[len(BANNER) :].decode("ascii", "replace").strip()
        return buffer[eol + 2 :]

    def _route(self, message: Message) -> bool:
        """Give a message to the action waiting for it, else to ``on_event``; True if it was an event."""
        store = message._store
        header = store.get("actionid")
        if header is not None:
            action_id = header[1] if isinstance(header[1], str) else header[1][0]
            if action_id.startswith(self.id_prefix):
                action = self.pending.get(action_id)  # None: a late reply to an action that timed out
                if action is not None and action.add_message(message):
                    del self.pending[action_id]
                return False
        header = store.get("event")
        if header is None:
            return False
        name = header[1]
        if name == "FullyBooted" and not self.booted.done():
            self.booted.set_result(None)
        try:
            self.on_event(message, name)
        except Exception:  # a bug in dispatch must not take the link down
            logger.exception("AMI: dispatching {} failed", name)
        if name == "Shutdown":
            self.close("Asterisk is shutting down")
        return True

    def _end(self, reason: str) -> None:
        if self.closed.done():
            return
        self.closed.set_result(reason)
        pending, self.pending = self.pending, {}
        for action in pending.values():
            if not action.future.done():
                action.future.set_exception(
                    AMIUnavailable(f"The AMI link was lost before {action.get('Action', 'the action')} completed")
                )
