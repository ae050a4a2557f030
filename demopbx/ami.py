"""A tiny, blocking Asterisk Manager Interface client (stdlib sockets only).

Enough for the demo PBX itself (login, wait for ``FullyBooted``) and for tests
that want to look at raw AMI traffic. It is not the project's AMI layer.

Messages are plain ``dict`` objects keyed by the header names as Asterisk
sends them (``Event``, ``Channel`` ...). A header that appears more than once
(e.g. ``Output`` of the ``Command`` action) becomes a list of values.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import socket
import time
from collections.abc import Callable, Iterable

__all__ = ["AMIClient", "AMIError", "get"]

_EOM = b"\r\n\r\n"
_ids = itertools.count(1)


class AMIError(Exception):
    """Connection, login or protocol problem, or a timeout."""


def get(message: dict, key: str, default: str = "") -> str:
    """Case-insensitive header lookup (first value if the header repeats)."""
    for k, v in message.items():
        if k.lower() == key.lower():
            return v[0] if isinstance(v, list) else v
    return default


def _parse(block: bytes) -> dict:
    message: dict = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            # Asterisk 13's "Response: Follows" body; keep it readable.
            key, value = "Output", line
        value = value[1:] if value.startswith(" ") else value
        if key in message:
            old = message[key]
            message[key] = (old if isinstance(old, list) else [old]) + [value]
        else:
            message[key] = value
    return message


class AMIClient:
    """Blocking AMI session. Every wait takes a timeout (seconds)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5038, timeout: float = 5.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.banner = ""
        self._sock: socket.socket | None = None
        self._buf = b""
        # Messages read while waiting for something else (events, late replies).
        self.pending: collections.deque = collections.deque(maxlen=20000)

    # ------------------------------------------------------------ connection
    def connect(self, timeout: float | None = None) -> AMIClient:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as exc:
            raise AMIError(f"cannot connect to AMI {self.host}:{self.port}: {exc}") from exc
        while b"\r\n" not in self._buf:
            self._recv(deadline)
        line, _, self._buf = self._buf.partition(b"\r\n")
        self.banner = line.decode("utf-8", "replace")
        if not self.banner.startswith("Asterisk Call Manager"):
            self.close()
            raise AMIError(f"unexpected AMI banner {self.banner!r}")
        return self

    def login(self, username: str, secret: str, events: str = "on", timeout: float | None = None) -> dict:
        reply = self.action("Login", timeout=timeout, Username=username, Secret=secret, Events=events)
        if get(reply, "Response") != "Success":
            raise AMIError(f"AMI login failed: {get(reply, 'Message')}")
        return reply

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def __enter__(self) -> AMIClient:
        return self

    def __exit__(self, *exc) -> None:
        if self._sock is not None:
            with contextlib.suppress(AMIError, OSError):
                self.send("Logoff")
        self.close()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    # ------------------------------------------------------------ low level
    def _recv(self, deadline: float) -> None:
        if self._sock is None:
            raise AMIError("not connected")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AMIError("timed out waiting for AMI data")
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except TimeoutError as exc:
            raise AMIError("timed out waiting for AMI data") from exc
        except OSError as exc:
            self.close()
            raise AMIError(f"AMI connection error: {exc}") from exc
        if not data:
            self.close()
            raise AMIError("AMI connection closed by Asterisk")
        self._buf += data

    def _read_raw(self, deadline: float) -> dict:
        while _EOM not in self._buf:
            self._recv(deadline)
        block, _, self._buf = self._buf.partition(_EOM)
        return _parse(block)

    def send(self, action: str, **fields) -> str:
        """Send an action without waiting; returns its ActionID."""
        if self._sock is None:
            raise AMIError("not connected")
        action_id = str(fields.pop("ActionID", None) or f"demopbx-{next(_ids)}")
        lines = [f"Action: {action}", f"ActionID: {action_id}"]
        for key, value in fields.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            lines.extend(f"{key}: {v}" for v in values)
        try:
            self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        except OSError as exc:
            self.close()
            raise AMIError(f"AMI send failed: {exc}") from exc
        return action_id

    # ------------------------------------------------------------ high level
    def read(self, timeout: float | None = None) -> dict:
        """Next message (pending ones first)."""
        if self.pending:
            return self.pending.popleft()
        timeout = self.timeout if timeout is None else timeout
        return self._read_raw(time.monotonic() + timeout)

    def action(self, action: str, timeout: float | None = None, **fields) -> dict:
        """Send an action and return its ``Response`` message.

        Everything else read meanwhile stays in :attr:`pending`.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        action_id = self.send(action, **fields)
        while True:
            msg = self._read_raw(deadline)
            if get(msg, "ActionID") == action_id and "Response" in msg:
                return msg
            self.pending.append(msg)

    def list_action(self, action: str, timeout: float | None = None, **fields) -> tuple[dict, list[dict]]:
        """Send a list action (``PJSIPShowEndpoints``, ``QueueStatus`` ...).

        Returns ``(response, events)``; ``events`` excludes the final
        ``...Complete`` event. An ``Error`` response returns no events.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        action_id = self.send(action, **fields)
        response: dict | None = None
        events: list[dict] = []
        while True:
            msg = self._read_raw(deadline)
            if get(msg, "ActionID") != action_id:
                self.pending.append(msg)
                continue
            if "Response" in msg:
                response = msg
                if get(msg, "Response") != "Success":
                    return response, []
                continue
            if get(msg, "EventList") == "Complete" or get(msg, "Event").endswith("Complete"):
                return response or {}, events
            events.append(msg)

    def command(self, command: str, timeout: float | None = None) -> str:
        """CLI command through the ``Command`` action; returns its output text."""
        reply = self.action("Command", timeout=timeout, Command=command)
        out = reply.get("Output", [])
        return "\n".join(out if isinstance(out, list) else [out])

    def wait_event(
        self, match: str | Callable[[dict], bool] | Iterable[str], timeout: float | None = None, **headers: str
    ) -> dict:
        """Wait for an event.

        ``match`` is an event name, a collection of names, or a predicate;
        ``headers`` must also match exactly (``Channel="PJSIP/201-..."``), or by
        prefix when the wanted value ends with ``*``. Non-matching messages are
        dropped (they are seen, just not wanted), so read in order.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if isinstance(match, str):
            names = {match.lower()}
            test = lambda m: get(m, "Event").lower() in names  # noqa: E731
        elif callable(match):
            test = match
        else:
            names = {n.lower() for n in match}
            test = lambda m: get(m, "Event").lower() in names  # noqa: E731

        def wanted(msg: dict) -> bool:
            if not test(msg):
                return False
            for key, value in headers.items():
                have = get(msg, key)
                if value.endswith("*"):
                    if not have.startswith(value[:-1]):
                        return False
                elif have != value:
                    return False
            return True

        while True:
            msg = self.pending.popleft() if self.pending else self._read_raw(deadline)
            if wanted(msg):
                return msg
            if time.monotonic() > deadline:
                raise AMIError(f"timed out waiting for event {match!r} {headers or ''}")

    def collect(self, seconds: float) -> list[dict]:
        """Everything that arrives during ``seconds`` (pending messages first)."""
        out = list(self.pending)
        self.pending.clear()
        deadline = time.monotonic() + seconds
        while True:
            try:
                out.append(self._read_raw(deadline))
            except AMIError:
                if self._sock is None:
                    raise
                return out
