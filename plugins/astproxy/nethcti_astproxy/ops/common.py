"""What every operation shares: input fields that refuse what AMI must never see, access rules, lookups."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from nethcti.apidoc import EMPTY
from nethcti.errors import Forbidden, NotFound
from nethcti_astproxy.errors import NoSuchExtension, NotYourExtension
from nethcti_astproxy.objects import Extension
from nethcti_astproxy.service import Astproxy, ConversationRef

# ------------------------------------------------------------------ errors


class NoSuchConversation(NotFound):
    error_id, message = "no-such-conversation", "No such conversation"


class NoSuchQueue(NotFound):
    error_id, message = "no-such-queue", "No such queue"


class NoSuchParking(NotFound):
    error_id, message = "no-such-parking", "No such parking"


class NoSuchConference(NotFound):
    error_id, message = "no-such-conference", "No such conference"


class OperationForbidden(Forbidden):
    error_id, message = "operation-forbidden", "The user's profile does not allow this operation"


class RecallOnBusyDisabled(Forbidden):
    error_id, message = "recall-on-busy-disabled", "Recall on busy is not enabled for the user"


# ------------------------------------------------------------------ fields

# what people write inside numbers: "+39 (0721) 40-50.60"; other white space (CR, LF, tab) is refused
_NUMBER_DROPPED = re.compile(r"[ ().\-/]")
_NUMBER = re.compile(r"[0-9*#]{1,40}\Z")  # \Z: "$" would let a final LF through


def normalize_number(value: str) -> str:
    """A dialable number as the original makes it (``+`` -> ``00``, separators dropped); ValueError for
    anything else (letters, control characters) instead of the original's silent stripping."""
    number = _NUMBER_DROPPED.sub("", value)
    if number.startswith("+"):
        number = "00" + number[1:]
    if not _NUMBER.match(number):
        raise ValueError(value)
    return number


class Number(fields.String):
    """A phone number to dial: normalised, only digits, ``*`` and ``#`` reach AMI."""

    default_error_messages = {"invalid_number": "Not a phone number: only digits, *, # and a leading + are allowed"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_number(text)
        except ValueError:
            raise self.make_error("invalid_number") from None


class Exten(fields.String):
    """An extension, queue, parking or conference id (also accepted as a JSON integer)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(r"[A-Za-z0-9_*#+.-]{1,80}\Z", error="Not a valid id"))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class ChannelName(fields.String):
    """An Asterisk channel name (``PJSIP/201-00000001``, ``Local/201@from-queue-0000000a;1``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(r"[\w/@;.*#+:-]{1,200}\Z", re.ASCII,
                                                         error="Not a valid channel name"))
        super().__init__(**kwargs)


class ConvId(fields.String):
    """A conversation id as the model names it: ``<source channel>>` + `<destination channel>``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(r"[\w/@;.*#+:>-]{1,400}\Z", re.ASCII,
                                                         error="Not a valid conversation id"))
        super().__init__(**kwargs)


class OnOff(fields.String):
    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.OneOf(["on", "off"]))
        super().__init__(**kwargs)


class Flag(fields.Boolean):
    """A boolean the clients send as ``true``, ``"true"`` or ``"1"``."""


class Params(Schema):
    """Base of the operation bodies: fields an operation does not use are ignored, as the original ignores
    them (phone-island adds ``endpointType`` to ``hangup`` and sends ``endpointTpe`` to ``call``)."""

    class Meta:
        unknown = EXCLUDE


def extension_endpoint_type(**kwargs) -> fields.String:
    """``endpointType``: only ``extension`` is meaningful where the original accepts it."""
    return fields.String(validate=validate.OneOf(["extension"]), **kwargs)


# ------------------------------------------------------------------ the operation contract


@dataclass
class Context:
    """What an operation runs with: the model service (``astproxy.ami`` sends actions) and the caller."""

    astproxy: Astproxy
    user: Any

    @property
    def ami(self) -> Any:
        return self.astproxy.ami

    @property
    def statics(self) -> Any:
        return self.astproxy.statics

    # -- access

    def require_own(self, exten: str, *bypass: str, field: str = "endpointId") -> None:
        """The caller owns ``exten`` or holds one of the ``bypass`` permissions; else 403."""
        if self.user.owns_extension(exten) or any(self.user.can(p) for p in bypass):
            return
        raise NotYourExtension(f"Extension {exten} is not one of yours", {field: exten})

    def require_permission(self, *permissions: str) -> None:
        """The caller holds one of ``permissions``; else 403."""
        if not any(self.user.can(p) for p in permissions):
            raise OperationForbidden(details={"permission": " or ".join(permissions)})

    def default_extension(self) -> str:
        """The caller's device when a request names none: a plugin's choice (the user's default_extension
        setting, from presence), else the main extension."""
        chosen = self.astproxy.default_extension(self.user)
        if chosen and self.user.owns_extension(chosen):
            return chosen
        if not self.user.mainextension:
            raise NotYourExtension("The user has no extension to call from", {"endpointId": None})
        return self.user.mainextension

    # -- lookups (the model must be loaded: 503 pbx-model-not-ready otherwise)

    def extension(self, exten: str, field: str = "endpointId") -> Extension:
        self.astproxy.current()
        ext = self.astproxy.extension(exten)
        if ext is None:
            raise NoSuchExtension(f"No extension {exten}", {field: exten})
        return ext

    def conversation(self, exten: str, convid: str) -> ConversationRef:
        self.extension(exten)
        ref = self.astproxy.conversation(exten, convid)
        if ref is None:
            raise NoSuchConversation(f"Extension {exten} has no conversation {convid}", {"convid": convid})
        return ref

    def context_of(self, exten: str) -> str:
        """The dialplan context calls made for ``exten`` run in (its PJSIP context)."""
        ext = self.astproxy.extension(exten)
        return (ext.context if ext is not None and ext.context else None) or self.statics.transfer_context

    def user_context(self) -> str:
        """The dialplan context of calls made for the caller: their default extension's, else the transfer
        context (a user with no extension)."""
        try:
            return self.context_of(self.default_extension())
        except NotYourExtension:
            return self.statics.transfer_context

    def dial_string(self, exten: str) -> str:
        """``PJSIP/201``: how Asterisk rings extension ``exten``."""
        self.extension(exten)
        return f"PJSIP/{exten}"  # the model follows PJSIP endpoints only

    def add_prefix(self, number: str) -> str:
        """The outside-line prefix rule: not for extensions, feature codes (``*``, ``#``), nor numbers that
        start with 00."""
        prefix = self.statics.prefix
        if not prefix or number.startswith(("00", "*", "#")) or self.astproxy.extension(number) is not None:
            return number
        return prefix + number


Run = Callable[[Context, dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Operation:
    """``POST /astproxy/<name>``: ``schema`` loads the body (400 naming the field), ``run`` does it and returns
    what ``answer`` describes in /openapi.json (a schema or an OpenAPI dict, as ``documented``'s responses take;
    ``{}`` by default, so an operation that answers more and does not say so fails the document's tests)."""

    name: str
    schema: type[Schema]
    run: Run
    answer: Any = field(default_factory=lambda: EMPTY)


def one_of(*names: str):
    """A schema-level rule: exactly these fields go together (``endpointId`` with ``endpointType``)."""

    def check(data: dict) -> None:
        given = [n for n in names if data.get(n) is not None]
        if given and len(given) != len(names):
            missing = next(n for n in names if data.get(n) is None)
            raise ValidationError(f"{' and '.join(names)} go together", missing)

    return check
