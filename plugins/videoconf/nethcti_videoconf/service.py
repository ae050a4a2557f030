"""``app.extensions["videoconf"]``: room URLs on the configured Jitsi, invitations over SMTP."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosmtplib
from loguru import logger

from nethcti_videoconf.errors import SmtpUnavailable

PROVIDER = "jitsi"
JS_ESCAPE_SAFE = "@*_+-./"  # what JavaScript's escape() leaves as it is


class VideoconfConfigError(Exception):
    """video_conf.json cannot be read."""


def base_url(config: Mapping[str, Any]) -> str | None:
    """conf.d ``url``, else NethVoice's ``video_conf.json`` ``{"jitsi": {"url"}}``; None: not configured."""
    if config["url"]:
        return config["url"]
    if not config["video_conf_json"]:
        return None
    path = Path(config["video_conf_json"])
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise VideoconfConfigError(f"video_conf_json {path}: {exc}") from None
    jitsi = document.get("jitsi") if isinstance(document, dict) else None
    url = jitsi.get("url") if isinstance(jitsi, dict) else None
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise VideoconfConfigError(f"video_conf_json {path}: jitsi.url is not an http(s) URL")
    return url or None


class Videoconf:
    def __init__(self, config: Mapping[str, Any]):
        self.configure(config)

    def configure(self, config: Mapping[str, Any]) -> None:
        """(Re)read the settings; VideoconfConfigError leaves the previous ones in force."""
        url = base_url(config)
        self.url = url if url is None or url.endswith("/") else url + "/"
        self.smtp = {"hostname": config["smtp_host"], "port": config["smtp_port"],
                     "use_tls": config["smtp_tls"] == "tls", "start_tls": config["smtp_tls"] == "starttls",
                     "username": config["smtp_username"], "password": config["smtp_password"],
                     "timeout": config["smtp_timeout"]}
        self.sender = config["sender"] or f"noreply@{_domain()}"
        self.max_recipients = config["max_recipients"]

    def new_room(self, user: Any, now: float | None = None) -> dict[str, str] | None:
        """The original's ``{id: "<user>-<ms>", url, provider}``; None when no videoconference is configured."""
        if self.url is None:
            return None
        room = f"{user.username}-{int((time.time() if now is None else now) * 1000)}"
        name = quote(f'"{user.name or "unknown"}"', safe=JS_ESCAPE_SAFE)
        return {"id": room, "url": f"{self.url}{quote(room)}#config.callDisplayName={name}", "provider": PROVIDER}

    async def send_invitations(self, recipients: Mapping[str, str], email: Mapping[str, Any]) -> dict[str, dict]:
        """One text e-mail per address, in its language; ``{address: {"success": bool}}`` as the original."""
        results = {}
        try:
            async with aiosmtplib.SMTP(**self.smtp) as smtp:
                for address, language in recipients.items():
                    address = address.lower()
                    message = EmailMessage()
                    message["From"], message["To"] = self.sender, address
                    message["Subject"] = email["subject"][language]
                    message.set_content(email["body"][language])
                    try:
                        refused, _ = await smtp.send_message(message)
                        results[address] = {"success": address not in refused}
                    except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
                        logger.warning("videoconf: invitation to {} refused: {}", address, exc)
                        results[address] = {"success": False}
        except (aiosmtplib.SMTPException, OSError) as exc:
            logger.error("videoconf: mail server {}:{}: {}", self.smtp["hostname"], self.smtp["port"], exc)
            raise SmtpUnavailable(details={"sent": results}) from None
        return results


def _domain() -> str:
    fqdn = socket.getfqdn()
    return fqdn.partition(".")[2] or fqdn or "localhost"
