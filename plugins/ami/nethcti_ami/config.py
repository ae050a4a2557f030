"""The ``[ami]`` section and where the AMI address and credentials come from (conf.d or asterisk.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from nethcti.config import secret_field
from nethcti.errors import StartupError


class AMISchema(Schema):
    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=5038, validate=validate.Range(1, 65535))
    username = fields.String(load_default=None, allow_none=True)
    secret = secret_field(load_default=None, allow_none=True)
    # NethVoice's file {"user", "pass", "host", "port", ...}: the source of credentials and address when set
    asterisk_json = fields.String(load_default=None, allow_none=True)
    action_timeout = fields.Float(load_default=10.0, validate=validate.Range(min=0.1))
    reconnect_min = fields.Float(load_default=0.5, validate=validate.Range(min=0.01))
    reconnect_max = fields.Float(load_default=10.0, validate=validate.Range(min=0.01))
    ping_interval = fields.Float(load_default=20.0, validate=validate.Range(min=0))  # 0: no keepalive Ping
    queue_size = fields.Integer(load_default=10000, validate=validate.Range(min=1))  # events per plugin

    @validates_schema
    def _one_source_of_credentials(self, data, **_kwargs):
        own = data.get("username") or data.get("secret")
        if data.get("asterisk_json") and own:
            raise ValidationError("set either username/secret or asterisk_json, not both", "asterisk_json")
        if not data.get("asterisk_json"):
            missing = [key for key in ("username", "secret") if not data.get(key)]
            if missing:
                raise ValidationError(f"{' and '.join(missing)} required (or set asterisk_json)", missing[0])
        if data["reconnect_min"] > data["reconnect_max"]:
            raise ValidationError("must not be greater than reconnect_max", "reconnect_min")


@dataclass(frozen=True)
class Target:
    """Where and as whom to log in; ``source`` names where it was read, for log lines."""

    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    source: str = "[ami]"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def resolve_target(config: dict) -> Target:
    """The login target from ``[ami]``, or from asterisk.json when ``asterisk_json`` is set."""
    path = config.get("asterisk_json")
    if not path:
        return Target(config["host"], config["port"], config["username"], config["secret"])
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise StartupError(f"[ami] asterisk_json: cannot read {path}: {exc}") from None
    except ValueError as exc:
        raise StartupError(f"[ami] asterisk_json: {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise StartupError(f"[ami] asterisk_json: {path} must hold a JSON object")
    missing = [key for key in ("user", "pass") if not isinstance(document.get(key), str) or not document[key]]
    if missing:
        raise StartupError(f"[ami] asterisk_json: {path} has no {' or '.join(repr(k) for k in missing)}")
    try:
        port = int(document.get("port") or config["port"])
    except (TypeError, ValueError):
        raise StartupError(f"[ami] asterisk_json: {path}: port {document.get('port')!r} is not a number") from None
    if not 0 < port < 65536:
        raise StartupError(f"[ami] asterisk_json: {path}: port {port} is out of range")
    host = document.get("host") or config["host"]
    return Target(str(host), port, document["user"], document["pass"], source=str(path))
