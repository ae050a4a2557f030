"""Run nethcti against a private demo Asterisk: start demopbx, write a conf.d for it, serve.

Used by ``scripts/run`` when no NETHCTI_CONF_DIR is given. Everything lives in ``var/demo/``;
users alice (201, 91201), bob (202), carol (203), dave (204) log in with their name as password.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demopbx import DemoPBX  # noqa: E402

USERS = {"alice": ("Alice Rossi", "201", ["201", {"id": "91201", "type": "webrtc"}]),
         "bob": ("Bob Bianchi", "202", ["202"]), "carol": ("Carol Verdi", "203", ["203"]),
         "dave": ("Dave Neri", "204", ["204"])}
# Everything but privacy: the demo switchboard sees and may do all.
DEMO_PERMISSIONS = [
    "settings.dnd", "settings.call_forward", "settings.recording", "settings.conference", "settings.parkings",
    "settings.phone_buttons", "phonebook.ad_phonebook", "cdr.ad_cdr", "presence_panel.spy",
    "presence_panel.intrude", "presence_panel.ad_recording", "presence_panel.pickup", "presence_panel.transfer",
    "presence_panel.ad_parking", "presence_panel.hangup", "presence_panel.trunks", "presence_panel.ad_phone",
    "queue_agent.ad_queue_agent", "queue_agent.lost_queue_call", "qmanager", "operator_panel",
]
PLUGINS = ["logging", "database", "users", "auth", "ami", "astproxy", "presence", "websocket"]


def installed_plugins() -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="nethcti.plugins")}


def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value).lower()


def write_conf(conf_dir: Path, state: Path, pbx: DemoPBX, port: int) -> None:
    conf_dir.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    enabled = installed_plugins()
    sections = {
        "server": {"host": "127.0.0.1", "port": port, "state_dir": str(state)},
        "logging": {"file": str(state / "nethcti.log"), "level": "info"},
        "ami": {"host": pbx.host, "port": pbx.ami_port, "username": pbx.ami_username, "secret": pbx.ami_secret},
        "astproxy": {"recordings_dir": str(pbx.spool_dir / "monitor")},
        "presence": {"recallonbusy_file": str(state / "recallonbusy.json")},
    }
    # NethVoice's per-user switch for recall on busy: on for every demo user
    (state / "recallonbusy.json").write_text(json.dumps({u: {"recallonbusy": "enabled"} for u in USERS}))
    lines = ["# Written by scripts/demo.py for the demo PBX; changes are overwritten.\n"]
    for name in ["server", *PLUGINS]:
        if name != "server" and name not in enabled:
            continue
        lines.append(f"[{name}]")
        if name != "server":
            lines.append("enabled = true")
        lines += [f"{key} = {toml_value(value)}" for key, value in sections.get(name, {}).items()]
        lines.append("")
    if "astproxy" in enabled:  # what NethVoice's ast_objects.json would say about the demo dialplan
        lines += ["[astproxy.feature_codes]", 'pickup = "**"', 'confbridge_conf = "8"', 'que_toggle = "*45"', "",
                  "[astproxy.queues.401]", 'name = "Support"', "",
                  "[astproxy.queues.402]", 'name = "Sales"', 'dynmembers = ["201", "203"]', ""]
    if "users" in enabled:
        lines += ["[users.profiles.demo]", 'name = "Demo"', f"permissions = {toml_value(DEMO_PERMISSIONS)}", ""]
        for username, (name, main, extensions) in USERS.items():
            lines += [f"[users.accounts.{username}]", f'name = "{name}"', 'profile = "demo"',
                      f'mainextension = "{main}"', f"extensions = {toml_value(extensions)}",
                      f'voicemail = "{main}"', ""]
    (conf_dir / "50-demo.toml").write_text("\n".join(lines))


def nethcti(conf_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), *args],
                          check=True, text=True, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8179, help="nethcti's port (default 8179)")
    parser.add_argument("--ami-port", type=int, default=25038, help="the demo Asterisk's AMI port")
    args = parser.parse_args()

    base = REPO / "var" / "demo"
    pbx = DemoPBX(base / "pbx", ami_port=args.ami_port)
    pbx.start(timeout=20)
    server = None
    try:
        conf_dir, state = base / "conf.d", base / "state"
        write_conf(conf_dir, state, pbx, args.port)
        if "auth" in installed_plugins():
            for username in USERS:
                nethcti(conf_dir, "user", "passwd", username, input=f"{username}\n", stdout=subprocess.DEVNULL)
        print(f"demo PBX: AMI 127.0.0.1:{pbx.ami_port}; nethcti: http://127.0.0.1:{args.port}/webrest/status")
        print("log in as alice/alice, bob/bob, carol/carol, dave/dave; Ctrl+C stops everything")
        server = subprocess.Popen([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "serve"])
        signal.signal(signal.SIGTERM, lambda *_: server.send_signal(signal.SIGTERM))
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            return server.wait(timeout=15)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
        pbx.stop()


if __name__ == "__main__":
    sys.exit(main())
