"""conf.d loader: TOML drop-ins read in name order (later files win), validated per section."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from nethcti.errors import StartupError

DEFAULT_CONF_DIR = "/etc/nethcti/conf.d"
REDACTED = "********"


def secret_field(**kwargs) -> fields.String:
    """A string option that may also be given as ``<name>_file = "/path"``; never printed."""
    return fields.String(metadata={"secret": True}, **kwargs)


class ServerSchema(Schema):
    """The host's own ``[server]`` section."""

    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=8179, validate=validate.Range(1, 65535))
    base_path = fields.String(load_default="/webrest", validate=validate.Regexp(r"^(/[\w.-]+)*$"))
    cors_origins = fields.List(fields.String(), load_default=lambda: ["*"])
    state_dir = fields.String(load_default="/var/lib/nethcti")
    runtime_dir = fields.String(load_default="")  # this process's pid file; "": <state_dir>/run/<port>
    hook_queue_size = fields.Integer(load_default=10000, validate=validate.Range(min=1))  # domain events per plugin
    # KiB of socket.io events waiting for a websocket client that does not read; past it, it is disconnected
    socket_send_buffer = fields.Integer(load_default=1024, validate=validate.Range(min=16, max=1024 * 1024))


@dataclass
class RawConfig:
    """conf.d merged but not validated, remembering which file set each key."""

    conf_dir: Path
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, dict[str, Path]] = field(default_factory=dict)

    def is_enabled(self, name: str) -> bool:
        value = self.sections.get(name, {}).get("enabled", False)
        if not isinstance(value, bool):
            raise StartupError(f"{self.origin(name, 'enabled')}: [{name}] enabled must be true or false")
        return value

    def origin(self, section: str, key: str | None = None) -> str:
        files = self.origins.get(section, {})
        path = files.get(key) if key in files else next(iter(files.values()), None)
        return str(path) if path else str(self.conf_dir)


@dataclass
class Settings:
    """The validated configuration: ``server`` plus one section per enabled plugin."""

    raw: RawConfig
    server: dict[str, Any]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    schemas: dict[str, Schema] = field(default_factory=dict)

    @property
    def conf_dir(self) -> Path:
        return self.raw.conf_dir

    def plugin(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    def redacted(self) -> dict[str, dict[str, Any]]:
        """The effective configuration with every secret replaced, for ``nethcti config``."""
        out = {"server": dict(self.server)}
        for name, section in self.sections.items():
            out[name] = _redact(self.schemas.get(name), section)
        return out


def _redact(schema_or_field, value):
    """Replace every value whose field is marked secret, walking nested schemas, dicts and lists."""
    if isinstance(schema_or_field, fields.Field) and schema_or_field.metadata.get("secret"):
        return REDACTED if value else value
    if isinstance(value, dict):
        if isinstance(schema_or_field, fields.Nested):
            schema_or_field = schema_or_field.schema
        if isinstance(schema_or_field, Schema):
            return {k: _redact(schema_or_field.fields.get(k), v) for k, v in value.items()}
        if isinstance(schema_or_field, fields.Dict):
            return {k: _redact(schema_or_field.value_field, v) for k, v in value.items()}
        return dict(value)
    if isinstance(value, list):
        inner = schema_or_field.inner if isinstance(schema_or_field, fields.List) else None
        if isinstance(schema_or_field, fields.Nested) and schema_or_field.many:
            inner = schema_or_field.schema
        return [_redact(inner, v) for v in value]
    return value


def conf_dir_from(arg: str | None) -> Path:
    return Path(arg or os.environ.get("NETHCTI_CONF_DIR") or DEFAULT_CONF_DIR)


def read_conf_dir(conf_dir: Path) -> RawConfig:
    """Merge ``conf_dir/*.toml`` in name order; a file that does not parse names itself and the line."""
    if not conf_dir.is_dir():
        raise StartupError(f"configuration directory {conf_dir} does not exist")
    raw = RawConfig(conf_dir)
    for path in sorted(conf_dir.glob("*.toml")):
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise StartupError(f"{path}: {exc}") from None  # the message carries line and column
        except (OSError, UnicodeDecodeError) as exc:
            raise StartupError(f"{path}: cannot read: {exc}") from None
        for section, table in document.items():
            if not isinstance(table, dict):
                raise StartupError(f"{path}: top-level key {section!r} must be a [section]")
            _merge(raw.sections.setdefault(section, {}), table)
            raw.origins.setdefault(section, {}).update(dict.fromkeys(table, path))
    return raw


def _merge(into: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def validate_section(raw: RawConfig, name: str, schema: Schema | type[Schema] | None) -> tuple[dict, Schema]:
    """Load section ``name`` through its schema; return (values, the schema instance used)."""
    schema = schema() if isinstance(schema, type) else schema or Schema()
    data = {k: v for k, v in raw.sections.get(name, {}).items() if k != "enabled"}

    def where(path: str) -> str:
        top_key = re.split(r"[.\[]", path, maxsplit=1)[0]  # origins are per key of the section
        return f"{raw.origin(name, top_key)}: [{name}] {path}"

    data = _read_secret_files(schema, data, where)
    try:
        values = schema.load(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{raw.origin(name, key)}: [{name}] {key}: {' '.join(map(str, _flatten(msgs)))}"
            for key, msgs in exc.normalized_messages().items()
        )
        raise StartupError(problems) from None
    return values, schema


def _read_secret_files(schema: Schema, data: dict, where) -> dict:
    """``data`` with each ``<secret>_file`` of ``schema`` replaced by ``<secret>`` read from that file, at any
    depth (nested schemas, dicts and lists of them). ``where(path)``: the file and ``[section] path`` to blame."""
    data = dict(data)
    for name, schema_field in schema.fields.items():
        key = schema_field.data_key or name
        if schema_field.metadata.get("secret") and f"{key}_file" in data:
            if key in data:
                raise StartupError(f"{where(key + '_file')}: {key} is given too; keep one of the two")
            data[key] = _read_secret(data.pop(f"{key}_file"), where(key + "_file"))
        elif key in data:
            data[key] = _read_secret_files_in(schema_field, data[key], lambda path, key=key: where(f"{key}{path}"))
    return data


def _read_secret_files_in(schema_or_field, value, where):
    """``value`` of a field (or a nested schema) with the secret files inside it read, as ``_read_secret_files``."""
    if isinstance(schema_or_field, fields.Nested):
        schema_or_field = schema_or_field.schema
    if isinstance(value, dict) and isinstance(schema_or_field, Schema):
        return _read_secret_files(schema_or_field, value, lambda path: where(f".{path}"))
    if isinstance(value, dict) and isinstance(schema_or_field, fields.Dict) and schema_or_field.value_field:
        return {k: _read_secret_files_in(schema_or_field.value_field, v, lambda path, k=k: where(f".{k}{path}"))
                for k, v in value.items()}
    item = schema_or_field.inner if isinstance(schema_or_field, fields.List) else schema_or_field
    if isinstance(value, list) and isinstance(item, Schema | fields.Nested | fields.Dict | fields.List):
        return [_read_secret_files_in(item, v, lambda path, i=i: where(f"[{i}]{path}")) for i, v in enumerate(value)]
    return value


def _read_secret(path, where: str) -> str:
    if not isinstance(path, str) or not path:
        raise StartupError(f"{where}: must be the path of a file")
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"{where}: {exc}") from None


def _flatten(messages) -> list:
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _flatten(v)]
    return list(messages) if isinstance(messages, list) else [messages]
