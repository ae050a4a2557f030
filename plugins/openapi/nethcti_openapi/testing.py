"""Test helpers: every plugin enabled on the demo PBX, a user with every permission and one with none, for the
live tests of the document (answers against their schemas, the fuzz run)."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path

from nethcti.testing import DEMO_PASSWORDS, free_port, log_in, running_app, served, users_conf, wait_until

# every profile permission a route checks (grep of the plugins), except privacy, which only hides numbers
EVERY_PERMISSION = [
    "cdr.ad_cdr", "cdr.group_cdr", "customer_card", "off_hour.ad_off_hour", "off_hour.advanced_off_hour",
    "operator_panel.in_queue_401", "operator_panel.waiting_queue_3", "phonebook.ad_phonebook",
    "presence_panel.ad_parking", "presence_panel.ad_phone", "presence_panel.ad_recording", "presence_panel.hangup",
    "presence_panel.intrude", "presence_panel.pickup", "presence_panel.spy", "presence_panel.transfer",
    "presence_panel.trunks", "qmanager.qmanager_401", "qmanager.qmanager_402", "queue_agent.ad_queue_agent",
    "queue_agent.lost_queue_call", "recording", "settings.call_forward", "settings.dnd", "settings.parkings",
    "settings.phone_buttons", "settings.recording", "settings.screen_sharing", "settings.video_conference",
    "streaming",
]
PASSWORDS = DEMO_PASSWORDS  # users_conf writes them (<name>-pw)
EVERYTHING, NOTHING = "alice", "bob"  # carol and dave: more extensions for the operations to aim at


def everything_conf(tmp_path: Path, pbx, extra: str = "") -> Path:
    """A conf.d enabling every plugin this repository has, on ``pbx``; state, spools and SQLite files in tmp_path.

    Nothing reaches past loopback: provisioning and SMTP point at a closed local port, dbconn has no admin,
    wake-up call files land in a directory Asterisk does not watch, voicemail works on an empty spool of its own.
    """
    ami, closed = pbx.ami_info(), free_port()
    for directory in ("monitor", "outgoing", "outgoing-tmp", "voicemail", "sounds", "record"):
        (tmp_path / directory).mkdir(parents=True, exist_ok=True)
    accounts = {"alice": ("everything", "201", '["201", { id = "91201", type = "webrtc" }]'),
                "bob": ("nothing", "202", '["202"]'), "carol": ("everything", "203", '["203"]'),
                "dave": ("everything", "204", '["204"]')}
    users = "".join(
        f'[users.accounts.{name}]\nname = "{name.title()}"\nprofile = "{profile}"\nmainextension = "{main}"\n'
        f'extensions = {extensions}\nvoicemail = "{main}"\n'
        for name, (profile, main, extensions) in accounts.items()
    )
    users = f"""
[users]
enabled = true
[users.profiles.everything]
name = "Everything"
permissions = {json.dumps(EVERY_PERMISSION)}
[users.profiles.nothing]
name = "Nothing"
permissions = []
{users}"""
    return users_conf(tmp_path, users=users, extra=f"""
[api]
enabled = true
rate_limit = 0
[ami]
enabled = true
host = "{ami['host']}"
port = {ami['port']}
username = "{ami['username']}"
secret = "{ami['secret']}"
[astproxy]
enabled = true
queue_stats_interval = 0
recordings_dir = "{tmp_path / 'monitor'}"
outgoing_dir = "{tmp_path / 'outgoing'}"
outgoing_tmp_dir = "{tmp_path / 'outgoing-tmp'}"
[astproxy.queues.401]
name = "Support"
[astproxy.queues.402]
name = "Sales"
dynmembers = ["201", "203"]
[astproxy.feature_codes]
confbridge_conf = "8"
pickup = "**"
[astproxy.operator_groups]
Support = ["alice", "bob"]
[presence]
enabled = true
[websocket]
enabled = true
[history]
enabled = true
cdr_url = "sqlite+aiosqlite:///{pbx.cdr_db}"
[queuestats]
enabled = true
queue_log_url = "sqlite+aiosqlite:///{pbx.cdr_db}"
[phonebook]
enabled = true
[profiling]
enabled = true
[static]
enabled = true
[voicemail]
enabled = true
spool_dir = "{tmp_path / 'voicemail'}"
[offhour]
enabled = true
asterisk_db_url = "sqlite+aiosqlite:///{tmp_path / 'offhour.db'}"
sounds_dir = "{tmp_path / 'sounds'}"
record_dir = "{tmp_path / 'record'}"
create_tables = true
[streaming]
enabled = true
[videoconf]
enabled = true
url = "https://meet.example.invalid/"
smtp_host = "127.0.0.1"
smtp_port = {closed}
smtp_timeout = 2
[custcard]
enabled = true
[dbconn]
enabled = true
[provisioning]
enabled = true
freepbx_url = "http://127.0.0.1:{closed}"
tancredi_url = "http://127.0.0.1:{closed}/tancredi"
timeout = 2
[openapi]
enabled = true
[metrics]
enabled = true
{extra}""")


@asynccontextmanager
async def everything_served(tmp_path: Path, pbx, extra: str = ""):
    """(app, URL, {user: headers}) with the model loaded from the PBX; every user logged in (legacy token)."""
    async with running_app(everything_conf(tmp_path, pbx, extra)) as app, served(app) as url:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded from the demo PBX")
        client = app.test_client()
        headers = {user: await log_in(client, user, password) for user, password in PASSWORDS.items()}
        yield app, url, headers
