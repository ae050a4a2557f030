"""Write a Plan: one TOML drop-in per section, and each secret in a file of its own (mode 0600)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nethcti import __version__
from nethcti.errors import StartupError
from nethcti.nethvoice.mapping import DROP_INS
from nethcti.nethvoice.plan import Plan


class CannotWrite(StartupError):
    """The output cannot be written (a drop-in exists and --force was not given, a directory is not writable)."""


@dataclass(frozen=True)
class Owner:
    uid: int
    gid: int


def secret_file_name(section: str, key: str) -> str:
    return f"{section}-{key}"


def render(plan: Plan, section: str, secrets_dir: Path) -> str:
    """The drop-in of ``section``: ``enabled = true`` (plugins), then each key with the setting it came from."""
    lines = [
        # no date: importing unchanged files again gives the same drop-ins, which need no --force
        f"# Imported from {plan.source.directory} by `nethcti import-nethvoice` (nethcti {__version__}).",
        f"# Every key of [{section}] is documented in the packaged sample {DROP_INS[section]}.",
        f"[{section}]",
    ]
    if section != "server":
        lines.append("enabled = true")
    values = plan.sections[section]
    for key, value in values.items():
        lines.append(_line(key, value, plan.origins.get((section, key), "")))
    for (owner, key), _value in plan.secrets.items():
        if owner == section:
            path = secrets_dir / secret_file_name(section, key)
            lines.append(_line(f"{key}_file", str(path), plan.origins.get((section, key), "")))
    return "\n".join(lines) + "\n"


def _line(key: str, value: Any, origin: str) -> str:
    return f"{key} = {toml_value(value)}" + (f"  # {origin}" if origin else "")


def toml_value(value: Any) -> str:
    """A TOML value: strings are JSON strings (TOML's basic strings share their escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def write_plan(plan: Plan, output: Path, secrets_dir: Path, *, force: bool = False,
               owner: Owner | None = None) -> list[Path]:
    """Write every drop-in and secret; existing drop-ins are replaced only with ``force`` (kept as ``.bak``).

    Everything is checked before anything is written, so a refusal leaves the directory as it was.
    """
    drop_ins = {output / DROP_INS[section]: render(plan, section, secrets_dir) for section in plan.sections}
    existing = [path for path, text in drop_ins.items() if path.exists() and _read(path) != text]
    if existing and not force:
        names = ", ".join(path.name for path in existing)
        raise CannotWrite(f"{output} has {names} already: --force replaces them (each kept as <name>.bak)")
    written = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        if plan.secrets:
            secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(secrets_dir, 0o700)
            if owner:
                os.chown(secrets_dir, owner.uid, owner.gid)
        for (section, key), value in plan.secrets.items():
            path = secrets_dir / secret_file_name(section, key)
            _write_secret(path, value + "\n", owner)
            written.append(path)
        for path, text in drop_ins.items():
            if path in existing:
                os.replace(path, path.with_name(path.name + ".bak"))
            _write_atomically(path, text)
            written.append(path)
    except OSError as exc:
        raise CannotWrite(f"{exc.filename or output}: cannot write: {exc.strerror or exc}") from None
    return written


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_secret(path: Path, text: str, owner: Owner | None) -> None:
    # created 0600 from the start, so the secret is never readable by others, not even for a moment
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        os.fchmod(stream.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        if owner:
            os.fchown(stream.fileno(), owner.uid, owner.gid)
        stream.write(text)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
