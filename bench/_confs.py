"""Synthetic PBXs and conf.d for the benchmarks: N users with one extension each, N PJSIP endpoints."""

from __future__ import annotations

import json
from pathlib import Path

from _common import HOST
from nethcti_auth.passwords import hash_password

PASSWORD = "bench-pw"
PERMISSIONS = ["presence_panel", "presence_panel.trunks", "queue_agent", "settings.parkings", "settings.dnd"]
LIST_ACTIONS = ("PJSIPShowEndpoints", "PJSIPShowEndpoint", "DBGetTree", "CoreShowChannels", "QueueStatus",
                "Parkinglots", "ParkedCalls", "ConfbridgeListRooms", "PJSIPShowRegistrationsOutbound")


def username(i: int) -> str:
    return f"u{i:05d}"


def extension(i: int) -> str:
    return str(20000 + i)


def _listing(action: str, rows: list[dict]) -> list[dict]:
    return [{"Response": "Success", "EventList": "start", "Message": f"{action} follows"}, *rows,
            {"Event": f"{action}Complete", "EventList": "Complete", "ListItems": str(len(rows))}]


def synthetic_answers(pbx, count: int) -> None:
    """Make ``pbx`` (a LoadPBX or FakeAMI) answer the loader for ``count`` idle PJSIP extensions."""
    extens = [extension(i) for i in range(count)]

    def contact(exten: str) -> str:
        return f"sip:{exten}@{HOST}:5062"

    endpoints = [{"Event": "EndpointList", "ObjectType": "endpoint", "ObjectName": e, "Aor": e, "Auths": "",
                  "Transport": "transport-udp", "Contacts": f"{e}/{contact(e)},", "DeviceState": "Not in use",
                  "ActiveChannels": ""} for e in extens]

    def endpoint(fields: dict) -> list[dict]:
        e = fields.get("Endpoint", "")
        return _listing("EndpointDetail", [
            {"Event": "EndpointDetail", "ObjectType": "endpoint", "ObjectName": e, "Context": "from-internal",
             "Allow": "(ulaw|alaw)", "DeviceState": "Not in use", "Callerid": f'"User {e}" <{e}>'},
            {"Event": "ContactStatusDetail", "AOR": e, "EndpointName": e, "URI": contact(e), "Status": "NonQualified",
             "UserAgent": "bench-phone/1.0"},
        ])

    pbx.answer("PJSIPShowEndpoints", lambda fields: _listing("EndpointList", endpoints))
    pbx.answer("PJSIPShowEndpoint", endpoint)
    for action in LIST_ACTIONS[2:]:
        pbx.answer(action, lambda fields, action=action: _listing(action, []))


def write_conf(base: Path, *, ami_port: int, users: int, http_port: int = 8179, level: str = "warning",
               ami_username: str = "nethcti", ami_secret: str = "secret", extra: str = "") -> Path:
    """conf.d for ``users`` users (u00000 … with extension 20000 …, no privacy) against AMI on ``ami_port``;
    logging to a file only, at ``level`` (production's default is warning)."""
    conf_dir, state = base / "conf.d", base / "state"
    conf_dir.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    lines = [
        "[server]", f'host = "{HOST}"', f"port = {http_port}", f'state_dir = "{state}"', "",
        "[logging]", "enabled = true", f'file = "{state / "nethcti.log"}"', f'level = "{level}"', "stderr = false", "",
        "[ami]", "enabled = true", f'host = "{HOST}"', f"port = {ami_port}", f'username = "{ami_username}"',
        f'secret = "{ami_secret}"', "queue_size = 10000000", "",
        "[database]", "enabled = true", "", "[auth]", "enabled = true", "",
        "[astproxy]", "enabled = true", "queue_stats_interval = 0", "", "[websocket]", "enabled = true", "",
        "[users]", "enabled = true", "",
        "[users.profiles.operator]", 'name = "Operator"', f"permissions = {json.dumps(PERMISSIONS)}", "",
    ]
    for i in range(users):
        lines += [f"[users.accounts.{username(i)}]", f'name = "User {i}"', 'profile = "operator"',
                  f'mainextension = "{extension(i)}"', ""]
    (conf_dir / "50-bench.toml").write_text("\n".join(lines) + extra)
    write_passwords(state / "passwords", [username(i) for i in range(users)])
    return conf_dir


def write_passwords(path: Path, usernames: list[str]) -> None:
    """One scrypt hash for everybody: hashing 1000 passwords would take a minute."""
    encoded = hash_password(PASSWORD)
    path.write_text("".join(f"{name}:{encoded}\n" for name in usernames))
    path.chmod(0o600)
