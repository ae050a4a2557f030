"""``app.extensions["ami"]``: actions to Asterisk over the one AMI link, checked, timed, never replayed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from nethcti_ami.connector import Connector
from nethcti_ami.dispatch import Dispatcher
from nethcti_ami.errors import AMIActionError, AMIInjection, AMITimeout, AMIUnavailable, OriginateFailed

SUCCESS = frozenset({"Success", "Follows", "Goodbye", "Pong"})
# OriginateResponse "Reason": the AST_CONTROL_* code the outgoing channel ended with
ORIGINATE_REASONS = {
    0: "failed (no such channel, or unreachable)", 1: "hung up", 3: "no answer", 5: "busy", 8: "congestion",
}


def checked_fields(action: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The action as AMI header strings; AMIInjection (400) if a name or value holds CR, LF or NUL.

    ``None`` values are left out, booleans become ``true``/``false``, lists repeat the header, and a
    caller's ``ActionID`` is dropped: the link numbers actions itself so replies cannot be confused.
    """
    fields: dict[str, str | list[str]] = {}
    for key, value in action.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"AMI field names must be non-empty strings, not {key!r}")
        if _breaks_line(key):
            raise AMIInjection(f"AMI field name {key!r} contains a line break", {"field": key})
        if value is None or key.lower() == "actionid":
            continue
        items = [_text(item) for item in value] if isinstance(value, (list, tuple)) else [_text(value)]
        for item in items:
            if _breaks_line(item):
                raise AMIInjection(f"The value of AMI field {key!r} contains a line break", {"field": key})
        fields[key] = items if isinstance(value, (list, tuple)) else items[0]
    if not any(key.lower() == "action" for key in fields):
        raise ValueError("an AMI action needs an 'Action' field")
    return fields


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _breaks_line(text: str) -> bool:
    return "\r" in text or "\n" in text or "\0" in text


def is_error(reply) -> bool:
    return reply.get("Response") not in SUCCESS


class AMIService:
    """What other plugins call. Every method raises at once AMIUnavailable (503) while the link is down,
    AMITimeout (504) when Asterisk does not answer in time, AMIInjection (400) before sending a field
    with a line break, and AMIActionError (502) on ``Response: Error`` unless ``raw=True``."""

    def __init__(self, connector: Connector, dispatcher: Dispatcher, action_timeout: float):
        self.connector = connector
        self.dispatcher = dispatcher
        self.action_timeout = action_timeout

    # -- link
    @property
    def connected(self) -> bool:
        """True while logged in and after FullyBooted."""
        return self.connector.up

    @property
    def asterisk_version(self) -> str | None:
        return self.connector.asterisk_version

    async def wait_connected(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) for the link to be up; for tools and tests, not for request paths."""
        deadline = time.monotonic() + timeout
        while not self.connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(0.02, remaining))
        return True

    # -- actions
    async def send_action(self, action: Mapping[str, Any], timeout: float | None = None, *, raw: bool = False):
        """Send one action; return its response Message (case-insensitive headers, missing ones read '').

        Should a list follow the response, it is collected too (never given to event handlers) and
        left out: use send_list_action to get it.
        """
        fields = checked_fields(action)
        reply = await self._send(fields, "list", timeout)
        if isinstance(reply, list):
            reply = reply[0]
        if not raw and is_error(reply):
            raise _action_error(fields, reply)
        return reply

    async def send_list_action(self, action: Mapping[str, Any], timeout: float | None = None, *, raw: bool = False):
        """Send a list action (CoreShowChannels, PJSIPShowEndpoints, QueueStatus, DBGet …); return its events.

        The list is the events between the response and the final ``…Complete`` event, both left out.
        With ``raw=True``: every message as received (response first), or the single error response.
        """
        fields = checked_fields(action)
        reply = await self._send(fields, "list", timeout)
        messages = reply if isinstance(reply, list) else [reply]
        if raw:
            return messages
        if is_error(messages[0]):
            raise _action_error(fields, messages[0])
        return messages[1:-1]  # a list always ends with its …Complete event (see protocol.Request)

    async def originate(
        self,
        channel: str,
        *,
        exten: str | None = None,
        context: str | None = None,
        priority: int | str | None = None,
        application: str | None = None,
        data: str | None = None,
        caller_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
        account: str | None = None,
        ring_timeout: float = 15.0,
        wait: bool = False,
        timeout: float | None = None,
        **extra: Any,
    ):
        """Originate a call from ``channel`` to ``exten@context`` (or to ``application``), always ``Async: true``.

        Returns Asterisk's response once the call is queued; with ``wait=True`` waits for the
        OriginateResponse event instead (``ring_timeout`` + ``timeout``) and returns it (it carries
        ``Uniqueid``), or raises OriginateFailed (502 ``ami-originate-failed``).
        """
        if (exten is None) == (application is None):
            raise ValueError("originate needs either exten (with context) or application")
        if priority is None and exten is not None:
            priority = 1
        action = {
            "Action": "Originate", "Channel": channel,
            "Exten": exten, "Context": context, "Priority": priority,
            "Application": application, "Data": data,
            "CallerID": caller_id, "Account": account, "Timeout": int(ring_timeout * 1000),
            "Variable": [f"{name}={value}" for name, value in variables.items()] if variables else None,
            **extra,
        }
        action = {key: value for key, value in action.items() if key.lower() != "async"}
        action["Async"] = "true"
        fields = checked_fields(action)
        if not wait:
            reply = await self._send(fields, "list", timeout)
            if is_error(reply):
                raise _action_error(fields, reply)
            return reply
        wait_timeout = ring_timeout + (timeout if timeout is not None else self.action_timeout)
        reply = await self._send(fields, "originate", wait_timeout)
        if not isinstance(reply, list):  # refused before any call attempt
            raise _action_error(fields, reply)
        result = reply[-1]
        if result.get("Response") != "Success":
            reason = str(result.get("Reason") or "0")
            code = int(reason) if reason.isdigit() else 0
            raise OriginateFailed(
                f"Originate from {channel}: {ORIGINATE_REASONS.get(code, f'failed (reason {code})')}",
                {"reason": code, "channel": channel},
                response=result,
            )
        return result

    async def command(self, command: str, timeout: float | None = None) -> list[str]:
        """Run a CLI command through the ``Command`` action; return its output lines."""
        reply = await self.send_action({"Action": "Command", "Command": command}, timeout)
        output = reply.get("Output")
        if output is None:  # Asterisk 13: "Response: Follows" with a raw body
            return [line for line in reply.get("content", "").splitlines() if line != "--END COMMAND--"]
        return output if isinstance(output, list) else [output]

    async def _send(self, fields: dict, expect: str, timeout: float | None):
        protocol = self.connector.protocol if self.connector.up else None
        if protocol is None:
            raise AMIUnavailable()
        action = protocol.send(fields, expect)
        limit = timeout if timeout is not None else self.action_timeout
        try:
            async with asyncio.timeout(limit):  # not wait_for, which may lose a cancellation (connector._session)
                return await action.future
        except TimeoutError:
            name = action.get("Action", "the action")
            raise AMITimeout(f"Asterisk did not answer {name} within {limit:g} s", {"action": name}) from None
        finally:
            protocol.forget(action)

    # -- health
    def status(self) -> dict:
        """For /status: ``ok`` only while the link is up."""
        c = self.connector
        protocol = c.protocol
        return {
            "ok": c.up,
            "state": str(c.state),
            "address": c.target.address,
            "username": c.target.username,
            "asterisk_version": c.asterisk_version,
            "ami_version": c.ami_version,
            "up_since": datetime.fromtimestamp(c.up_since_wall, UTC).isoformat() if c.up_since_wall else None,
            "uptime": round(time.monotonic() - c.up_since, 1) if c.up_since is not None else None,
            "link_ups": c.link_ups,
            "failed_attempts": c.failed_attempts,
            "last_error": c.last_error,
            "events_per_second": round(c.meter.rate(), 1),
            "events_total": c.meter.total,
            "actions_in_flight": len(protocol.pending) if protocol is not None else 0,
            "subscribers": self.dispatcher.status(),
        }


def _action_error(fields: Mapping[str, Any], reply) -> AMIActionError:
    name = next((value for key, value in fields.items() if key.lower() == "action"), "action")
    text = reply.get("Message") or reply.get("Response") or "error"
    return AMIActionError(f"Asterisk refused {name}: {text}", {"action": str(name)}, response=reply)
