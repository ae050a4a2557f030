"""Read the original's configuration directory: every JSON file parsed, or one clear error naming the file."""

from __future__ import annotations

import json
import pwd
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nethcti.errors import StartupError

DEFAULT_SOURCE = "/etc/nethcti"
DBSTATIC = "dbstatic.d"
# what makes a directory nethcti-server's: at least one of these
CORE_FILES = ("nethcti.json", "services.json", "authentication.json", "asterisk.json", "users.json")


class BadSource(StartupError):
    """The directory cannot be imported: missing, unreadable, or a file that is not a JSON object."""


@dataclass
class Connection:
    """One database connection of dbstatic.d (``{"dbhost", "dbport", "dbtype", "dbuser", "dbpassword", "dbname"}``)."""

    name: str  # the key: history_call, cti_phonebook, queue_log …
    file: str  # dbstatic.d/<file>.json, for the report
    values: dict[str, Any]


@dataclass
class Source:
    directory: Path
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # file name -> its JSON object
    connections: dict[str, Connection] = field(default_factory=dict)
    overridden: list[tuple[Connection, Connection]] = field(default_factory=list)  # (loser, winner)
    private: dict[str, str] = field(default_factory=dict)  # file name -> its owner, when only they may read it

    def path(self, name: str) -> str:
        return str(self.directory / name)

    def has(self, name: str) -> bool:
        return name in self.documents


def read_source(directory: Path) -> Source:
    """Every ``*.json`` of ``directory`` and of its dbstatic.d, parsed; BadSource names what is wrong."""
    directory = directory.absolute()
    if not directory.is_dir():
        raise BadSource(f"{directory}: no such directory (the original's configuration, default {DEFAULT_SOURCE})")
    source = Source(directory)
    try:
        names = sorted(path.name for path in directory.glob("*.json") if path.is_file())
        dbstatic = directory / DBSTATIC
        db_files = sorted(path.name for path in dbstatic.glob("*.json")) if dbstatic.is_dir() else []
    except OSError as exc:
        raise BadSource(f"{directory}: cannot list: {exc.strerror or exc}") from None
    for name in names:
        source.documents[name] = _read_object(directory / name)
        if owner := _only_reader(directory / name):
            source.private[name] = owner
    if not any(source.has(name) for name in CORE_FILES):
        raise BadSource(f"{directory} does not look like nethcti-server's configuration: "
                        f"none of {', '.join(CORE_FILES)} is there")
    # the original reads dbstatic.d in directory order and a later key replaces an earlier one
    for name in db_files:
        document = _read_object(dbstatic / name)
        for key, values in document.items():
            if not isinstance(values, dict):
                raise BadSource(f"{dbstatic / name}: {key!r} must be an object of dbhost, dbport, dbtype …")
            connection = Connection(key, f"{DBSTATIC}/{name}", values)
            if key in source.connections:
                source.overridden.append((source.connections[key], connection))
            source.connections[key] = connection
    return source


def _only_reader(path: Path) -> str | None:
    """The owner of ``path`` when neither group nor others may read it (NethVoice: users.json is asterisk's, 0600)."""
    info = path.stat()
    if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    try:
        return pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        return str(info.st_uid)


def _read_object(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadSource(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadSource(f"{path}: not UTF-8 text") from None
    if not text.strip():
        return {}  # the package ships some files empty until NethVoice writes them
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadSource(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(document, dict):
        raise BadSource(f"{path}: must hold a JSON object, not {type(document).__name__}")
    return document
