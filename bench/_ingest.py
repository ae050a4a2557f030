"""Pieces of the AMI ingest benchmark: the generator process, and the parser and model measured alone."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from _common import BENCH, TRANSCRIPTS
from nethcti_ami.meter import RateMeter
from nethcti_ami.protocol import AMIProtocol
from nethcti_astproxy.publish import Publisher
from nethcti_astproxy.testing import DEMO_ACCOUNTS, DEMO_STATICS, model_at, read_transcript
from panoramisk.ami_protocol import AMIProtocol as PanoramiskProtocol

CHUNK = 65536  # bytes handed to data_received at a time, as a socket read would
BANNER = b"Asterisk Call Manager/5.0.1\r\n"


class Generator:
    """bench/_amigen.py as a subprocess: ``port``, ``await prepare(loops)``, ``await stream(loops)``,
    ``await actions()``."""

    async def __aenter__(self) -> Generator:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(BENCH / "_amigen.py"), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self.port = int((await self._ask(b""))[1])
        return self

    async def __aexit__(self, *exc) -> None:
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def _ask(self, command: bytes, timeout: float = 600) -> list[str]:
        if command:
            self.proc.stdin.write(command + b"\n")
            await self.proc.stdin.drain()
        return (await asyncio.wait_for(self.proc.stdout.readline(), timeout)).decode().split()

    async def prepare(self, loops: int) -> None:
        """Have ``loops`` loops encoded ahead."""
        await self._ask(b"prepare %d" % loops)

    async def stream(self, loops: int) -> tuple[int, int]:
        """Stream the scenarios ``loops`` times; (events, calls) once the last byte was written."""
        _, events, calls = await self._ask(b"stream %d" % loops)
        return int(events), int(calls)

    async def actions(self) -> dict[str, int]:
        self.proc.stdin.write(b"actions\n")
        await self.proc.stdin.drain()
        return json.loads(await self.proc.stdout.readline())


def parse_ours(data: bytes) -> tuple[int, float]:
    """nethcti_ami's protocol reading ``data``: (events, seconds)."""
    seen = [0]

    def on_event(message, name) -> None:
        seen[0] += 1

    protocol = AMIProtocol(on_event, RateMeter())
    started = time.perf_counter()
    protocol.data_received(BANNER)
    for i in range(0, len(data), CHUNK):
        protocol.data_received(data[i:i + CHUNK])
    return seen[0], time.perf_counter() - started


class _Factory:
    def __init__(self):
        self.events = 0
        self.save_stream = None

    def dispatch(self, message) -> None:
        self.events += 1


class _NoTransport:
    def write(self, data) -> None:
        pass


def parse_panoramisk(data: bytes) -> tuple[int, float]:
    """panoramisk's own AMIProtocol reading ``data`` (what nethcti_ami replaced): (events, seconds)."""
    protocol = PanoramiskProtocol()
    protocol.connection_made(_NoTransport())
    protocol.factory = _Factory()
    started = time.perf_counter()
    protocol.data_received(BANNER)
    for i in range(0, len(data), CHUNK):
        protocol.data_received(data[i:i + CHUNK])
    return protocol.factory.events, time.perf_counter() - started


def parsed(data: bytes) -> list:
    messages = []
    protocol = AMIProtocol(lambda message, name: messages.append(message), RateMeter())
    protocol.data_received(BANNER + data)
    return messages


async def model_alone(messages: list, listening: bool) -> tuple[int, float]:
    """Model.apply + Publisher.flush on the demo PBX model, no plugin behind the hooks; (events, seconds).

    ``listening``: pretend every hook has a listener, so that signatures are compared (as with websocket).
    """
    transcript = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    model = model_at(transcript, "boot", DEMO_STATICS, DEMO_ACCOUNTS)

    async def notify(hook, **kwargs) -> None:
        pass

    publisher = Publisher(notify, lambda hook: listening)
    publisher.seal(model)
    started = time.perf_counter()
    for message in messages:
        model.apply(message)
        await publisher.flush(model)
    return len(messages), time.perf_counter() - started
