"""/videoconf over HTTP: room URLs as the original builds them, invitations arriving at a real local SMTP server
(aiosmtpd), permissions and bad input."""

import email
import json
import socket

import pytest
from aiosmtpd.controller import Controller
from nethcti_auth.passwords import PasswordFile
from nethcti_auth.testing import log_in

from nethcti.errors import StartupError
from nethcti.testing import base_conf, running_app

APP = """
[database]
enabled = true
[auth]
enabled = true
[users]
enabled = true
[users.profiles.video]
name = "Video"
permissions = ["settings.video_conference"]
[users.profiles.basic]
name = "Basic"
permissions = ["settings.dnd"]
[users.accounts.alice]
name = "Alice Rossi"
profile = "video"
mainextension = "201"
[users.accounts.bob]
name = "Bob Bianchi"
profile = "basic"
mainextension = "202"
[videoconf]
enabled = true
"""


class Mailbox:
    """An aiosmtpd handler: keeps what arrives, refuses recipients at refused.example."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    try:
        yield mailbox
    finally:
        controller.stop()


def conf(tmp_path, extra: str = ""):
    conf_dir = base_conf(tmp_path, APP + extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    passwords.set("alice", "alice-pw")
    passwords.set("bob", "bob-pw")
    return conf_dir


async def post(app, path: str, body=None, user: str = "alice", status: int = 200):
    client = app.test_client()
    headers = await log_in(client, user, f"{user}-pw")
    response = await client.post(f"/webrest/videoconf/{path}", headers=headers, json=body)
    data = await response.get_json()
    assert response.status_code == status, (path, response.status_code, data)
    return data


async def test_newroom_is_the_original_s_jitsi_url(tmp_path):
    async with running_app(conf(tmp_path, 'url = "https://jitsi.example.com"\n')) as app:
        room = await post(app, "newroom")
        assert room["provider"] == "jitsi" and room["id"].startswith("alice-") and room["id"][6:].isdigit()
        assert room["url"] == (f"https://jitsi.example.com/{room['id']}"
                               "#config.callDisplayName=%22Alice%20Rossi%22")
        assert (await post(app, "newroom", user="bob", status=403))["details"] == {
            "permission": "settings.video_conference"}


async def test_newroom_is_null_without_a_videoconference_configured(tmp_path):
    async with running_app(conf(tmp_path)) as app:
        assert await post(app, "newroom") is None


async def test_the_url_from_nethvoice_s_file_and_reload(tmp_path):
    path = tmp_path / "video_conf.json"
    path.write_text(json.dumps({"jitsi": {"url": "https://meet.example.org/"}}))
    async with running_app(conf(tmp_path, f'video_conf_json = "{path}"\n')) as app:
        assert (await post(app, "newroom"))["url"].startswith("https://meet.example.org/alice-")
        path.write_text("{}")
        await app.pm.acall_each("reload", app=app, isolate=True)
        assert await post(app, "newroom") is None
        path.write_text(json.dumps({"jitsi": {"url": "javascript:alert(1)"}}))
        await app.pm.acall_each("reload", app=app, isolate=True)  # refused: the previous settings stay
        assert await post(app, "newroom") is None


async def test_a_broken_video_conf_json_stops_start_up(tmp_path):
    (tmp_path / "video_conf.json").write_text("{")
    with pytest.raises(StartupError, match=r"\[videoconf\] video_conf_json"):
        async with running_app(conf(tmp_path, f'video_conf_json = "{tmp_path / "video_conf.json"}"\n')):
            pass


INVITATION = {"subject": {"it": "Videoconferenza", "en": "Video meeting"},
              "body": {"it": "Entra: https://jitsi.example.com/alice-1", "en": "Join: https://jitsi.example.com/alice-1"}}


async def test_invitations_arrive_each_in_its_language(tmp_path, smtp):
    extra = f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nsender = "cti@pbx.example.com"\n'
    async with running_app(conf(tmp_path, extra)) as app:
        result = await post(app, "send_emails", {"list": {"Mario@Example.com": "it", "john@example.com": "en",
                                                          "ghost@refused.example": "en"}, "email": INVITATION})
        assert result == {"mario@example.com": {"success": True}, "john@example.com": {"success": True},
                          "ghost@refused.example": {"success": False}}
        by_recipient = {rcpt[0]: (sender, message) for sender, rcpt, message in smtp.messages}
        assert set(by_recipient) == {"mario@example.com", "john@example.com"}
        sender, message = by_recipient["mario@example.com"]
        assert sender == "cti@pbx.example.com" and message["Subject"] == "Videoconferenza"
        assert message.get_payload().strip() == INVITATION["body"]["it"]
        assert by_recipient["john@example.com"][1]["Subject"] == "Video meeting"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "list"),
    ({"list": {"a@example.com": "it"}}, "email"),
    ({"list": {"not an address": "it"}, "email": INVITATION}, "list"),
    ({"list": {"a@example.com": "fr"}, "email": INVITATION}, "email"),
    ({"list": {"a@example.com": "en"}, "email": {**INVITATION, "subject": {"en": "hi\r\nBcc: all@example.com"}}},
     "email"),
    ({"list": {f"u{i}@example.com": "en" for i in range(51)}, "email": INVITATION}, "list"),
])
async def test_bad_invitations_are_400_naming_the_field(tmp_path, smtp, body, field):
    async with running_app(conf(tmp_path, f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n')) as app:
        error = await post(app, "send_emails", body, status=400)
        assert error["error_id"] == "invalid-request" and field in error["details"], error
        assert smtp.messages == []


async def test_no_mail_server_is_a_502(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there
    async with running_app(conf(tmp_path, f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_timeout = 2\n')) as app:
        error = await post(app, "send_emails", {"list": {"a@example.com": "en"}, "email": INVITATION}, status=502)
        assert error["error_id"] == "smtp-unavailable"
        assert (await post(app, "send_emails", {"list": {"a@example.com": "en"}, "email": INVITATION}, "bob",
                           status=403))["error_id"] == "permission-denied"
