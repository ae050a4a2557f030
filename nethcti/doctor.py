"""``nethcti doctor``: what the configuration needs outside nethcti, checked, with what to fix.

The host checks its own files (state directory, secret files); every enabled plugin may add checks through its
``doctor_checks`` hook (AMI credentials and classes, database tables, Redis …). Each check is a Finding.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, fields

from nethcti.config import Settings
from nethcti.plugins import PluginManager

CHECK_TIMEOUT = 30.0  # seconds for one plugin's checks: each should bound its own network waits below this


@dataclass(frozen=True)
class Finding:
    """One check: what was checked and, when it failed, the ``problem`` and how to ``fix`` it."""

    check: str
    problem: str | None = None
    fix: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def writable_dir(label: str, path: str | Path, fix_owner: str = "the user nethcti runs as") -> Finding:
    """``path`` (or the nearest existing parent, which nethcti would create it in) is a writable directory."""
    path = Path(path)
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    check = f"{label} {path} is writable"
    if existing is not None and not existing.is_dir():
        return Finding(check, f"{existing} is not a directory", f"remove it or point {label} elsewhere")
    try:  # a file really made there: os.access says yes to root on a read-only file system
        handle, probe = tempfile.mkstemp(dir=existing or path, prefix=".nethcti-doctor-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        where = path if existing == path else f"{existing} (to create {path} in)"
        return Finding(check, f"{where} is not writable by uid {os.geteuid()}: {exc.strerror}",
                       f"chown {fix_owner} {existing or path} (or chmod u+w), or point {label} elsewhere")
    return Finding(check)


def private_file(label: str, path: str | Path) -> Finding:
    """A file holding a secret exists, is readable, and is not readable by every user of the machine."""
    check = f"{label} {path} is private"
    try:
        mode = Path(path).stat().st_mode
    except OSError as exc:
        return Finding(check, f"cannot read {path}: {exc.strerror}", f"create it, or fix {label}")
    if not os.access(path, os.R_OK):
        return Finding(check, f"{path} is not readable by uid {os.geteuid()}", f"chown the user nethcti runs as {path}")
    if mode & stat.S_IROTH:
        return Finding(check, f"{path} is readable by every user (mode {stat.S_IMODE(mode):04o})",
                       f"chmod 600 {path} (or 640 with a group)")
    return Finding(check)


def host_findings(settings: Settings) -> list[tuple[str, Finding]]:
    """(section, finding): the state directory, every ``*_file`` secret of every enabled plugin (at any depth, as
    nethcti.config reads them), and secrets written inline in a conf.d file that anyone may read."""
    findings = [("server", writable_dir("state_dir", settings.server["state_dir"]))]
    for name, schema in sorted(settings.schemas.items()):
        for path, key, holder in secret_fields(schema, settings.raw.sections.get(name, {})):
            if f"{key}_file" in holder:
                findings.append((name, private_file(f"{path}_file", holder[f"{key}_file"])))
            elif isinstance(holder.get(key), str) and holds_password(holder[key]):
                origin = Path(settings.raw.origin(name, re.split(r"[.\[]", path, maxsplit=1)[0]))
                check = f"{path}, written in {origin}, is private"
                try:
                    world = bool(origin.stat().st_mode & stat.S_IROTH)
                except OSError:
                    world = False
                findings.append((name, Finding(check, f"{origin} is readable by every user and holds [{name}] {path}",
                                               f"move it to {key}_file (mode 600), or chmod 640 {origin}")
                                 if world else Finding(check)))
    return findings


def secret_fields(schema: Schema, data: Mapping, prefix: str = "") -> Iterator[tuple[str, str, Mapping]]:
    """(path like ``connections.pbx.url``, key, the table holding it) of each secret option of ``schema`` in the
    raw ``data``, in nested tables and in dicts and lists of them."""
    for name, field in schema.fields.items():
        key = field.data_key or name
        if field.metadata.get("secret"):
            yield f"{prefix}{key}", key, data
        elif key in data:
            yield from _secret_fields_in(field, data[key], f"{prefix}{key}")


def _secret_fields_in(field, value, path: str) -> Iterator[tuple[str, str, Mapping]]:
    if isinstance(field, fields.Nested):
        field = field.schema
    if isinstance(value, Mapping) and isinstance(field, Schema):
        yield from secret_fields(field, value, f"{path}.")
    elif isinstance(value, Mapping) and isinstance(field, fields.Dict) and field.value_field:
        for key, item in value.items():
            yield from _secret_fields_in(field.value_field, item, f"{path}.{key}")
    elif isinstance(value, list):  # a List of tables, or a Nested(many=True)
        inner = field.inner if isinstance(field, fields.List) else field
        for index, item in enumerate(value):
            yield from _secret_fields_in(inner, item, f"{path}[{index}]")


def holds_password(value: str) -> bool:
    """A secret value worth hiding: a URL only when it carries a password (``mysql+asyncmy://u:pw@host/db``,
    not ``sqlite+aiosqlite:///var/lib/nethcti/cdr.db``), anything else when not empty."""
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme.replace("+", "").isalnum():
        return bool(value)
    credentials, at, _ = rest.partition("/")[0].rpartition("@")
    return bool(at) and ":" in credentials


async def check_database(label: str, url: str, tables: Mapping[str, Iterable[str]] | Iterable[str] = (),
                         *, timeout: float = 10.0) -> list[Finding]:
    """Connect to ``url`` (a SQLAlchemy async URL), then check that each table exists and, when ``tables`` maps
    names to columns, that it has them. For plugins that use SQLAlchemy (imported here only then)."""
    from sqlalchemy import inspect as sql_inspect
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        parsed = make_url(url)
        engine = create_async_engine(parsed)
    except (ArgumentError, NoSuchModuleError, ModuleNotFoundError, ValueError) as exc:
        return [Finding(f"{label} is a database URL", str(exc), f"fix {label} (docs/configuration.md)")]
    shown = parsed.render_as_string(hide_password=True)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).is_file():
        await engine.dispose()  # connecting would create an empty database file
        return [Finding(f"{label} {shown} answers", f"the SQLite database {database} does not exist",
                        f"point {label} at the file that holds the tables")]
    wanted = {name: list(columns) for name, columns in tables.items()} if isinstance(tables, Mapping) \
        else {name: [] for name in tables}
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

            def read_schema(sync) -> dict[str, set[str] | None]:
                inspector = sql_inspect(sync)
                present = set(inspector.get_table_names())
                return {name: {c["name"] for c in inspector.get_columns(name)} if name in present else None
                        for name in wanted}

            found = await conn.run_sync(read_schema)
    except TimeoutError:
        return [Finding(f"{label} {shown} answers", f"no answer within {timeout:g} s",
                        "check that the database server runs and that its address in the URL is right")]
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        return [Finding(f"{label} {shown} answers", f"{type(reason).__name__}: {reason}",
                        "check the database server, and the user, password and database name in the URL")]
    finally:
        await engine.dispose()
    findings = [Finding(f"{label} {shown} answers")]
    for name, columns in wanted.items():
        present = found[name]
        if present is None:
            findings.append(Finding(f"{label}: table {name!r} exists", f"no table {name!r} in {shown}",
                                    "point the URL at the database that has it, or create it (NethVoice's schema)"))
            continue
        missing = [column for column in columns if column not in present]
        findings.append(Finding(f"{label}: table {name!r} has the columns nethcti reads",
                                f"table {name!r} lacks the columns {', '.join(missing)}" if missing else None,
                                "upgrade the table to NethVoice's schema" if missing else None))
    return findings


async def run_checks(settings: Settings, pm: PluginManager) -> list[tuple[str, Finding]]:
    """(who, finding) for the host and every plugin implementing ``doctor_checks``; a plugin whose checks fail
    or hang is itself a finding, and the others still run."""
    results = host_findings(settings)
    for impl in pm.implementations("doctor_checks"):
        kwargs = {"settings": settings, "pm": pm}
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                found = impl.function(*(kwargs[arg] for arg in impl.argnames))
                if inspect.isawaitable(found):
                    found = await found
            results.extend((impl.plugin_name, finding) for finding in found or ())
        except Exception as exc:
            what = "took too long" if isinstance(exc, TimeoutError) else f"failed: {exc!r}"
            results.append((impl.plugin_name, Finding("its checks run", f"the doctor checks {what}",
                                                      "report it to the plugin's authors")))
    return results


def report(results: list[tuple[str, Finding]]) -> tuple[str, int]:
    """The text printed, and the number of problems."""
    lines, problems = [], 0
    for who, finding in results:
        if finding.ok:
            lines.append(f"ok       [{who}] {finding.check}")
            continue
        problems += 1
        lines.append(f"PROBLEM  [{who}] {finding.problem}")
        if finding.fix:
            lines.append(f"         fix: {finding.fix}")
    lines.append(f"{problems} problem{'s' if problems != 1 else ''} found" if problems else "everything checked is ok")
    return "\n".join(lines), problems
