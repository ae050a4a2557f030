"""The import's result: the conf.d sections to write, the secrets, and the report of every setting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nethcti.nethvoice.source import Source


class Unmappable(ValueError):
    """A value the importer cannot carry over; the message says why."""


@dataclass
class Note:
    origin: str  # "asterisk.json auto_c2c", "dbstatic.d/asterisk.json pin"
    text: str  # where it went, or why it did not
    mapped: bool


@dataclass
class Plan:
    """The drop-ins to write: ``sections[plugin][key] = value``, the secrets, and the report."""

    source: Source
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)  # (section, key) -> where it came from
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)  # (section, key) -> value, for <key>_file
    notes: list[Note] = field(default_factory=list)
    unwritten: dict[str, str] = field(default_factory=dict)  # section -> why it is not written

    def set(self, section: str, key: str, value: Any, origin: str, how: str = "") -> None:
        if section in self.unwritten:
            self.skip(origin, f"[{section}] is not written: {self.unwritten[section]}")
            return
        self.sections.setdefault(section, {})[key] = value
        self.origins[(section, key)] = origin
        self.notes.append(Note(origin, how or f"[{section}] {key} = {show(value)}", True))

    def point(self, section: str, key: str, name: str, origin: str = "") -> None:
        """``section.key`` = the path of the original's file ``name``, which that plugin reads as it is."""
        self.set(section, key, self.source.path(name), origin or name, f"read as it is by [{section}] {key}")

    def secret(self, section: str, key: str, value: str, origin: str) -> None:
        if section in self.unwritten:
            self.skip(origin, f"[{section}] is not written: {self.unwritten[section]}")
            return
        self.sections.setdefault(section, {})
        self.secrets[(section, key)] = value
        self.origins[(section, key)] = origin
        self.notes.append(Note(origin, f"[{section}] {key}_file (a secret file, mode 0600)", True))

    def skip(self, origin: str, reason: str) -> None:
        self.notes.append(Note(origin, reason, False))

    def enable(self, section: str) -> None:
        if section not in self.unwritten:
            self.sections.setdefault(section, {})

    def has(self, section: str, key: str) -> bool:
        return key in self.sections.get(section, {}) or (section, key) in self.secrets


class Document:
    """One JSON file, remembering which keys were looked at: the others are reported as unknown."""

    def __init__(self, plan: Plan, name: str):
        self.plan, self.name = plan, name
        self.data = plan.source.documents.get(name, {})
        self.seen: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return self.data.get(key, default)

    def read_by_plugin(self, *keys: str) -> None:
        """Keys a plugin reads from the file itself: known, not converted."""
        self.seen.update(keys)

    def origin(self, key: str) -> str:
        return f"{self.name} {key}"

    def convert(self, key: str, plugin: str, setting: str, converter: Callable[[Any], Any]) -> None:
        """``[plugin] setting`` from this file's ``key`` through ``converter``; a value it refuses is reported."""
        value = self.get(key)
        if value is None:
            return
        try:
            self.plan.set(plugin, setting, converter(value), self.origin(key))
        except Unmappable as exc:
            self.plan.skip(self.origin(key), str(exc))

    def done(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.plan.skip(self.origin(key), "unknown to the importer: not carried over")


def _digits(value: Any) -> str:
    # ASCII only: str.isdigit() also accepts "³" or "٣", which int() then refuses
    text = str(value)
    return text if text.isascii() and text.isdigit() else ""


def port_number(value: Any) -> int:
    text = _digits(value)
    if not text or not 0 < int(text) < 65536:
        raise Unmappable(f"{value!r} is not a port number")
    return int(text)


def seconds(value: Any) -> int:
    text = _digits(value)
    if not text or int(text) < 1:
        raise Unmappable(f"{value!r} is not a whole number of seconds")
    return int(text)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
