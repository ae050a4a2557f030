"""Test helpers for plugins that use AMI: a fake AMI server replaying transcripts, conf.d, a probe plugin.

    probe = AMIProbe(patterns=("Hangup",))
    async with FakeAMI(events=read_transcript(path)) as pbx, running_app(
        ami_conf(tmp_path, pbx.port), extra_plugins=[("probe", probe)]
    ) as app:
        await probe.wait_event("Hangup", Channel="PJSIP/201-*")

A transcript is a recorded AMI stream (messages separated by a blank line, CRLF or LF); its events are
sent, unchanged, right after each successful login and its FullyBooted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from nethcti import hookimpl
from nethcti.testing import WAIT, base_conf, wait_until

__all__ = ["AMIProbe", "FakeAMI", "ami_conf", "event_names", "read_transcript", "wait_until"]

Reply = dict | str  # a dict gets the action's ActionID; a str is sent as it is (one message)
Answer = Callable[[dict[str, str]], list[Reply] | None]  # None: never answer


def read_transcript(path: str | Path) -> list[str]:
    """The event messages of a recorded AMI stream, each as CRLF text without the final blank line."""
    text = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
    blocks = [block.strip("\n") for block in text.split("\n\n")]
    return ["\r\n".join(block.split("\n")) for block in blocks if block.startswith("Event:")]


def event_names(blocks: Iterable[str]) -> list[str]:
    return [block.split("\r\n", 1)[0].partition(": ")[2] for block in blocks]


class FakeAMI:
    """Speaks just enough AMI: Login (checks the secret), Ping, CoreSettings, Logoff; more through ``answer``."""

    def __init__(self, username: str = "nethcti", secret: str = "secret", *, events: Iterable[str] = (),
                 asterisk_version: str = "16.28.0-fake", ami_version: str = "5.0.1"):
        self.username, self.secret = username, secret
        self.events = list(events)
        self.asterisk_version, self.ami_version = asterisk_version, ami_version
        self.received: list[dict[str, str]] = []  # every action, in order (a repeated header keeps its last value)
        self.logins = self.refused_logins = self.connections = 0
        self.port: int | None = None
        self._answers: dict[str, Answer] = {}
        self._clients: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    def answer(self, action: str, answer: Answer) -> None:
        """Answer ``action`` (case-insensitive) with what ``answer(fields)`` returns; None: stay silent."""
        self._answers[action.lower()] = answer

    def actions(self, name: str) -> list[dict[str, str]]:
        return [fields for fields in self.received if fields.get("Action", "").lower() == name.lower()]

    async def start(self, port: int = 0) -> FakeAMI:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening and drop every client (as an Asterisk that dies)."""
        if self._server is not None:
            self._server.close()
        self.drop_clients()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def drop_clients(self) -> None:
        for writer in list(self._clients):
            writer.transport.abort()
        self._clients.clear()

    async def push(self, *messages: Reply) -> None:
        """Send events to every logged-in client."""
        for writer in list(self._clients):
            for message in messages:
                writer.write(_encode(message, None))
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    async def __aenter__(self) -> FakeAMI:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(f"Asterisk Call Manager/{self.ami_version}\r\n".encode())
        try:
            while True:
                fields = _parse(await reader.readuntil(b"\r\n\r\n"))
                self.received.append(fields)
                if not await self._handle(fields, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._clients.discard(writer)
            writer.transport.abort()

    async def _handle(self, fields: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        """Answer one action; False to close the connection."""
        name = fields.get("Action", "").lower()
        action_id = fields.get("ActionID")
        if name in self._answers:
            replies = self._answers[name](fields)
        elif name == "login":
            if (fields.get("Username"), fields.get("Secret")) != (self.username, self.secret):
                self.refused_logins += 1
                writer.write(_encode({"Response": "Error", "Message": "Authentication failed"}, action_id))
                await writer.drain()
                return False
            self.logins += 1
            self._clients.add(writer)
            writer.write(_encode({"Response": "Success", "Message": "Authentication accepted"}, action_id))
            booted = {"Event": "FullyBooted", "Privilege": "system,all", "Uptime": "10", "LastReload": "10",
                      "Status": "Fully Booted"}
            writer.write(_encode(booted, None) + b"".join(_encode(event, None) for event in self.events))
            await writer.drain()
            return True
        elif name == "ping":
            replies = [{"Response": "Success", "Ping": "Pong", "Timestamp": "1700000000.000000"}]
        elif name == "coresettings":
            replies = [{"Response": "Success", "AMIversion": self.ami_version, "AsteriskVersion": self.asterisk_version,
                        "SystemName": "", "CoreMaxCalls": "0"}]
        elif name == "logoff":
            writer.write(_encode({"Response": "Goodbye", "Message": "Thanks for all the fish."}, action_id))
            await writer.drain()
            return False
        else:
            replies = [{"Response": "Error", "Message": "Invalid/unknown command"}]
        if replies:
            writer.write(b"".join(_encode(reply, action_id) for reply in replies))
            await writer.drain()
        return True


def _parse(block: bytes) -> dict[str, str]:
    fields = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return fields


def _encode(message: Reply, action_id: str | None) -> bytes:
    if isinstance(message, str):
        return message.rstrip("\r\n").encode() + b"\r\n\r\n"
    headers = dict(message)
    if action_id is not None:
        first = {"Response": headers.pop("Response")} if "Response" in headers else {}
        headers = first | {"ActionID": action_id} | headers
    return ("".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n").encode()


def ami_conf(tmp_path: Path, port: int, username: str = "nethcti", secret: str = "secret", **options) -> Path:
    """A conf.d enabling the ami plugin for ``127.0.0.1:port``; ``options`` are more ``[ami]`` keys."""
    lines = ["[ami]", "enabled = true", f"port = {port}"]
    if username is not None:
        lines.append(f'username = "{username}"')
    if secret is not None:
        lines.append(f'secret = "{secret}"')
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]  # JSON scalars are TOML too
    return base_conf(tmp_path, "\n".join(lines) + "\n")


class AMIProbe:
    """A throwaway plugin: records the AMI events it subscribes to and the ami plugin's hooks."""

    def __init__(self, patterns=("*",)):
        self.patterns = patterns
        self.events = []
        self.connected = self.disconnected = 0
        self.dropped_reports: list[int] = []

    @hookimpl
    def register_ami_handlers(self):
        return dict.fromkeys(self.patterns, self.on_event)

    async def on_event(self, app, event):
        self.events.append(event)

    @hookimpl
    async def ami_connected(self, app):
        self.connected += 1

    @hookimpl
    async def ami_disconnected(self, app):
        self.disconnected += 1

    @hookimpl
    async def ami_events_dropped(self, app, count):
        self.dropped_reports.append(count)

    def names(self) -> list[str]:
        return [event["Event"] for event in self.events]

    async def wait_event(self, what: str, timeout: float = WAIT, **headers):
        """The first recorded event matching ``Event=what`` and ``headers`` (a trailing * matches a prefix)."""
        found = []

        def seen() -> bool:
            found[:] = [e for e in self.events if e.get("Event") == what and _matches(e, headers)]
            return bool(found)

        await wait_until(seen, f"event {what} {headers}", timeout)
        return found[0]


def _matches(event, headers: dict) -> bool:
    for key, want in headers.items():
        have = event.get(key, "")
        if want.endswith("*") and have.startswith(want[:-1]):
            continue
        if have != want:
            return False
    return True
