"""Run nethcti against a private demo Asterisk: start demopbx, write a conf.d for it, serve.

Used by ``scripts/run`` when no NETHCTI_CONF_DIR is given. Everything lives in ``var/demo/``;
users alice (201, 91201), bob (202), carol (203), dave (204) log in with their name as password; the
switchboard shows them in the operator groups Support (alice, bob) and Sales (carol, dave).
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
    "settings.phone_buttons", "phonebook.ad_phonebook", "cdr.ad_cdr", "presence_panel.all_groups", "presence_panel.spy",
    "presence_panel.intrude", "presence_panel.ad_recording", "presence_panel.pickup", "presence_panel.transfer",
    "presence_panel.ad_parking", "presence_panel.hangup", "presence_panel.trunks", "presence_panel.ad_phone",
    "queue_agent.ad_queue_agent", "queue_agent.lost_queue_call", "qmanager.qmanager_401", "qmanager.qmanager_402",
    "operator_panel",
    "streaming.vs_demo", "settings.video_conference", "customer_card.cc_identity", "customer_card.cc_last_calls",
    "cdr.group_cdr",
    "off_hour.ad_off_hour",
]
# The switchboard's operator groups (NethVoice's operator.json "groups"): the operator panel lists these.
OPERATOR_GROUPS = {"Support": ["alice", "bob"], "Sales": ["carol", "dave"]}
PLUGINS = ["logging", "database", "users", "auth", "api", "ami", "astproxy", "presence", "websocket",
           "profiling", "streaming", "videoconf", "custcard", "phonebook", "static", "history", "queuestats",
           "voicemail", "offhour", "openapi", "metrics"]


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
    (state / "sounds").mkdir(exist_ok=True)  # offhour's announcements
    enabled = installed_plugins()
    sections = {
        "server": {"host": "127.0.0.1", "port": port, "state_dir": str(state)},
        "logging": {"file": str(state / "nethcti.log"), "level": "info"},
        "ami": {"host": pbx.host, "port": pbx.ami_port, "username": pbx.ami_username, "secret": pbx.ami_secret},
        "astproxy": {"recordings_dir": str(pbx.spool_dir / "monitor"), "outgoing_dir": str(pbx.spool_dir / "outgoing"),
                     "outgoing_tmp_dir": str(pbx.spool_dir / "tmp")},  # wake-up calls in the demo's spool
        "presence": {"recallonbusy_file": str(state / "recallonbusy.json")},
        "history": {"cdr_url": f"sqlite+aiosqlite:///{pbx.cdr_db}"},  # the CDRs the demo Asterisk writes
        "queuestats": {"queue_log_url": f"sqlite+aiosqlite:///{pbx.cdr_db}"},  # its queue_log, written by realtime
        "videoconf": {"url": "https://meet.jit.si/"},
        "voicemail": {"spool_dir": str(pbx.spool_dir / "voicemail")},  # the demo Asterisk's own spool
        # NethVoice's incoming/offhour/offhour_files tables in a SQLite file (seed_offhour); the rules are copied
        # to AstDB, where the demo dialplan (context from-did) reads them
        "offhour": {"asterisk_db_url": f"sqlite+aiosqlite:///{state / 'offhour.db'}",
                    "sounds_dir": str(state / "sounds"), "record_dir": str(pbx.spool_dir / "tmp"), "astdb": True,
                    "create_tables": True},
        # a centralized phonebook as NethVoice's (phonebook.phonebook), here a SQLite file: see seed_phonebook
        "phonebook": {"centralized_url": f"sqlite+aiosqlite:///{state / 'centralized-phonebook.db'}"},
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
        lines += ["[astproxy.feature_codes]", 'pickup = "**"', 'confbridge_conf = "8"', 'que_toggle = "*45"',
                  'dnd_toggle = "*76"', 'incall_audio = "*99"', "",
                  "[astproxy.queues.401]", 'name = "Support"', "",
                  "[astproxy.queues.402]", 'name = "Sales"', 'dynmembers = ["201", "203"]', "",
                  "[astproxy.operator_groups]", *(f"{g} = {toml_value(u)}" for g, u in OPERATOR_GROUPS.items()), ""]
    lines += demo_modules(enabled, state, pbx.cdr_db)
    if "users" in enabled:
        lines += ["[users.profiles.demo]", 'name = "Demo"', f"permissions = {toml_value(DEMO_PERMISSIONS)}", ""]
        for username, (name, main, extensions) in USERS.items():
            lines += [f"[users.accounts.{username}]", f'name = "{name}"', 'profile = "demo"',
                      f'mainextension = "{main}"', f"extensions = {toml_value(extensions)}",
                      f'voicemail = "{main}"', ""]
    (conf_dir / "50-demo.toml").write_text("\n".join(lines))


def demo_camera() -> str:
    """A stand-in door camera for the streaming demo: a fresh 1x1 PNG per request, on a loopback port."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from nethcti_streaming.testing import png

    class Camera(BaseHTTPRequestHandler):
        frames = 0

        def do_GET(self):
            Camera.frames += 1
            body = png(Camera.frames * 8)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-camera").start()
    return f"http://127.0.0.1:{server.server_address[1]}/snapshot.png"


def demo_modules(enabled: set[str], state: Path, cdr_db: Path) -> list[str]:
    """conf.d lines for streaming (a local camera, door phone 203) and custcard (the default cards)."""
    lines = []
    if "streaming" in enabled:
        lines += ["[streaming.sources.vs_demo]", 'description = "Demo door (camera on loopback, door phone 203)"',
                  f'url = "{demo_camera()}"', 'extension = "203"', 'open = "1"', ""]
    if "custcard" in enabled:  # NethVoice's two default cards, as conf.d/73-custcard.toml ships them
        from nethcti_custcard.testing import shipped_cards

        phonebook = state / "centralized-phonebook.db"
        lines += ["[custcard.connections.phonebook]", f'url = "sqlite+aiosqlite:///{phonebook}"',
                  "[custcard.connections.cdr]", f'url = "sqlite+aiosqlite:///{cdr_db}"',
                  shipped_cards(REPO / "conf.d" / "73-custcard.toml"), ""]
    return lines


def seed_phonebook(state: Path) -> None:
    """A few contacts (public, private, a speed dial) and a small centralized phonebook, into empty tables only."""
    from nethcti_phonebook.testing import seed_demo

    seed_demo(str(state / "nethcti.db"), str(state / "centralized-phonebook.db"))


def seed_history(pbx: DemoPBX) -> None:
    """A first day of calls in the demo's CDR table (when it is empty), ending ten minutes ago."""
    import sqlite3
    from datetime import datetime, timedelta

    try:
        from nethcti_history.testing import SAMPLE_ROWS
    except ImportError:
        return
    rows = [r for r in SAMPLE_ROWS if r["calldate"].day == 5]  # the sample day, not the day before or after
    shift = datetime.now() - timedelta(minutes=10) - max(r["calldate"] for r in rows)
    rows = [r | {"calldate": f"{r['calldate'] + shift:%Y-%m-%d %H:%M:%S}"} for r in rows]
    with sqlite3.connect(pbx.cdr_db) as db:
        if not db.execute("SELECT COUNT(*) FROM cdr").fetchone()[0]:
            db.executemany(f"INSERT INTO cdr ({', '.join(rows[0])}) VALUES ({', '.join(':' + c for c in rows[0])})",
                           rows)


def seed_offhour(state: Path) -> None:
    """The demo's inbound routes (DIDs 0721405516 -> 201, 0721405500 -> queue 401, as context from-did)."""
    import asyncio

    from nethcti_offhour.testing import seed_routes

    asyncio.run(seed_routes(f"sqlite+aiosqlite:///{state / 'offhour.db'}"))


def nethcti(conf_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), *args],
                          check=True, text=True, **kwargs)


def seed_voicemail(pbx: DemoPBX) -> None:
    """A few voice messages in alice's and bob's boxes, written as app_voicemail writes them (once: the spool
    stays between runs), so the voicemail page has something to show."""
    import time

    from nethcti_voicemail.testing import tone, write_spool_message

    root, now = pbx.spool_dir / "voicemail" / "default", int(time.time())
    messages = {"201": [("INBOX", '"Bob Bianchi" <202>', 3600), ("INBOX", '"Mario" <0612345678>', 600),
                        ("Old", '"Carol Verdi" <203>', 86400)],
                "202": [("INBOX", '"Alice Rossi" <201>', 1200)]}
    for box, left in messages.items():
        if (root / box).exists():
            continue
        numbers: dict[str, int] = {}
        for folder, callerid, age in sorted(left, key=lambda m: -m[2]):  # numbered oldest first, as Asterisk
            msgnum = numbers[folder] = numbers.get(folder, -1) + 1
            write_spool_message(root, box, folder, msgnum, now - age, callerid=callerid, duration=2,
                                audio=tone(2.0, hz=330 + 110 * msgnum))


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
        seed_history(pbx)
        if "voicemail" in installed_plugins():
            seed_voicemail(pbx)
        if "phonebook" in installed_plugins():
            seed_phonebook(state)
        if "offhour" in installed_plugins():
            seed_offhour(state)
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
