"""The presence rules of nethcti-server, as pure functions of the model's extensions (no I/O).

A user's presence comes from the DND and call forwards (AstDB) of the main extension; the main
presence adds the telephony state of all the user's extensions. Setting a presence is a list of AstDB
writes, the same for every extension of the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

PRESENCES = ("online", "dnd", "voicemail", "cellphone", "callforward")
CONDITIONAL_PRESENCES = ("online", "voicemail", "cellphone", "callforward")  # on busy / on unavailable
KINDS = ("presence", "presence_onbusy", "presence_onunavailable")  # userPresenceUpdate keys
FAMILIES = {"presence_onbusy": "CFB", "presence_onunavailable": "CFU"}  # AstDB family of a conditional kind

# extension statuses, highest priority first, and what each means for the main presence
STATUS_PRIORITY = ("busy", "busy_ringing", "ringing", "onhold", "online", "offline")
MAIN_OF_STATUS = {"busy": "busy", "busy_ringing": "busy", "onhold": "busy", "ringing": "ringing", "online": "online"}

# Asterisk's CustomPresence:<main extension> state for each presence (presencestate change)
CUSTOM_PRESENCE = {
    "online": "AVAILABLE", "dnd": "DND", "callforward": "AWAY,NUMBER", "cellphone": "AWAY,CELLPHONE",
    "voicemail": "XA,VOICEMAIL",
}
VOICEMAIL_PREFIX = "vmu"  # CF/<ext> = vmu<box>: forward to voicemail box <box>

# an AstDB write: (family, value); value None = DBDel
Write = tuple[str, "str | None"]


class ExtensionState(Protocol):
    """What the rules read of a model extension (nethcti_astproxy.objects.Extension)."""

    status: str
    dnd: bool
    cf: str
    cf_vm: str
    cfb: str
    cfb_vm: str
    cfu: str
    cfu_vm: str


@dataclass(frozen=True, slots=True)
class Presence:
    """A presence value; ``to`` only for ``callforward``."""

    status: str
    to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "to": self.to} if self.to else {"status": self.status}


ONLINE = Presence("online")
OFFLINE = Presence("offline")


@dataclass(frozen=True, slots=True)
class UserPresence:
    """Everything a client sees of a user's presence: the three user presences and the main presence."""

    presence: Presence
    presence_onbusy: Presence
    presence_onunavailable: Presence
    main: Presence

    def kind(self, kind: str) -> Presence:
        return getattr(self, kind)


def forward_presence(number: str, box: str, cellphone: str | None) -> Presence:
    """A forward (number or voicemail box, at most one set) as a presence: cellphone, callforward, voicemail, online."""
    if number:
        return Presence("cellphone") if number == cellphone else Presence("callforward", number)
    if box:
        return Presence("voicemail")
    return ONLINE


def user_presence(main: ExtensionState | None, cellphone: str | None) -> Presence:
    """``presence``: dnd, else from the unconditional forward (CF) of the main extension."""
    if main is None:
        return ONLINE
    if main.dnd:
        return Presence("dnd")
    return forward_presence(main.cf, main.cf_vm, cellphone)


def on_busy(main: ExtensionState | None, cellphone: str | None) -> Presence:
    """``presence_onbusy``: from the forward on busy (CFB) of the main extension."""
    return ONLINE if main is None else forward_presence(main.cfb, main.cfb_vm, cellphone)


def on_unavailable(main: ExtensionState | None, cellphone: str | None) -> Presence:
    """``presence_onunavailable``: from the forward on unavailable (CFU) of the main extension."""
    return ONLINE if main is None else forward_presence(main.cfu, main.cfu_vm, cellphone)


def aggregate_status(statuses: Iterable[str]) -> str:
    """The highest-priority telephony status of a user's extensions; offline when there is none."""
    found = set(statuses)
    return next((status for status in STATUS_PRIORITY if status in found), "offline")


def main_presence(presence: Presence, statuses: Iterable[str]) -> Presence:
    """``mainPresence``: the user's presence unless online; then busy, ringing, online or offline by the phones."""
    if presence.status != "online":
        return presence
    return Presence(MAIN_OF_STATUS.get(aggregate_status(statuses), "offline"))


def user_state(main: ExtensionState | None, extensions: Iterable[ExtensionState], cellphone: str | None
               ) -> UserPresence:
    """All of a user's presence from the main extension and every extension the model has of the user."""
    presence = user_presence(main, cellphone)
    return UserPresence(presence, on_busy(main, cellphone), on_unavailable(main, cellphone),
                        main_presence(presence, (ext.status for ext in extensions)))


def presence_list(can_dnd: bool, can_forward: bool, has_cellphone: bool, has_voicemail: bool) -> list[str]:
    """The presences a user may choose (GET /user/presencelist), in the original's order."""
    choices = ["online"]
    if can_dnd:
        choices.append("dnd")
    if can_forward:
        choices.append("callforward")
        if has_cellphone:
            choices.append("cellphone")
        if has_voicemail:
            choices.append("voicemail")
    return choices


def forward_value(status: str, to: str | None, cellphone: str | None, voicemail: str | None) -> str | None:
    """The AstDB CF/CFB/CFU value of a forwarding presence (None for online: no forward)."""
    if status == "callforward":
        return to
    if status == "cellphone":
        return cellphone
    if status == "voicemail":
        return VOICEMAIL_PREFIX + voicemail if voicemail else None
    return None


def presence_writes(status: str, to: str | None = None, cellphone: str | None = None,
                    voicemail: str | None = None) -> list[Write]:
    """The AstDB writes of a presence, for each extension, in the original's order.

    The original switches CF and CF-to-voicemail off one after the other; both live in ``CF/<ext>``,
    so here that is one delete.
    """
    if status == "online":
        return [("DND", None), ("CF", None)]
    if status == "dnd":
        return [("CF", None), ("DND", "YES")]
    return [("DND", None), ("CF", forward_value(status, to, cellphone, voicemail))]


def conditional_writes(kind: str, status: str, to: str | None = None, cellphone: str | None = None,
                       voicemail: str | None = None) -> list[Write]:
    """The AstDB write of a presence on busy (CFB) or on unavailable (CFU), for each extension."""
    return [(FAMILIES[kind], forward_value(status, to, cellphone, voicemail))]


def db_value(ext: ExtensionState, family: str) -> str | None:
    """The AstDB value ``family/<ext>`` the model holds for ``ext`` (None: no key)."""
    if family == "DND":
        return "YES" if ext.dnd else None
    number, box = {"CF": (ext.cf, ext.cf_vm), "CFB": (ext.cfb, ext.cfb_vm), "CFU": (ext.cfu, ext.cfu_vm)}[family]
    if number:
        return number
    return VOICEMAIL_PREFIX + box if box else None


SETTING_FAMILIES = {"dnd": "DND", "cf": "CF", "cfVm": "CF", "cfb": "CFB", "cfbVm": "CFB", "cfu": "CFU",
                    "cfuVm": "CFU"}  # astproxy's SettingChanged.setting -> AstDB family


def first(items: Sequence[str]) -> str | None:
    return items[0] if items else None
