"""What desk phones understand: which take SIP NOTIFY, NethVoice's vendor HTTP URLs (phone_urls.json), the GET."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from nethcti_astproxy.statics import StaticsError

# the actions of phone_urls.json ("urls": {"call": …, "answer": …, "hold_unhold": …, "dtmf": …})
URL_ACTIONS = ("call", "answer", "hold_unhold", "dtmf")
CLICK_TO_CALL = ("disabled", "enabled", "cloud")  # the original's auto_c2c

Emit = Callable[[str, Any, str], Awaitable[None]]  # event, payload, username: to every socket of that user


class PhoneRequestError(Exception):
    """The phone's HTTP API did not answer, or not with a success; the message says why."""


@dataclass(frozen=True)
class PhoneModel:
    """One entry of phone_urls.json: phones whose user agent matches ``agent`` take these URL templates."""

    agent: re.Pattern
    urls: dict[str, str]


def load_phone_urls(path: str) -> tuple[PhoneModel, ...]:
    """phone_urls.json: ``{"<user agent regex>": {"urls": {"call": "http://$PHONE_USER:…", …}}}``, in file order."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise StaticsError(f"[astproxy] phone_urls_file: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise StaticsError(f"[astproxy] phone_urls_file: {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise StaticsError(f"[astproxy] phone_urls_file: {path} must hold a JSON object")
    models = []
    for agent, entry in document.items():
        urls = entry.get("urls") if isinstance(entry, dict) else None
        if not isinstance(urls, dict):
            raise StaticsError(f"[astproxy] phone_urls_file: {path}: {agent!r} has no \"urls\" object")
        try:
            pattern = re.compile(agent, re.IGNORECASE)
        except re.error as exc:
            raise StaticsError(f"[astproxy] phone_urls_file: {path}: {agent!r} is not a regular expression: {exc}") \
                from None
        models.append(PhoneModel(pattern, {k: v for k, v in urls.items() if k in URL_ACTIONS and isinstance(v, str)
                                           and v.startswith(("http://", "https://"))}))
    return tuple(models)


def fill_url(template: str, values: dict[str, str]) -> str:
    """The template with ``$NAME`` replaced by its value, percent-encoded: nothing a user typed changes the URL's
    shape (a ``/``, ``@`` or ``#`` in a number or password stays inside its part)."""
    for name in sorted(values, key=len, reverse=True):  # $PHONE_USER before a hypothetical $PHONE
        template = template.replace(f"${name}", quote(values[name], safe=""))
    return template


@dataclass
class Phones:
    """The phones' remote control: NOTIFY-capable user agents, phone_urls.json, the HTTP GET; and the user's
    socket.io clients (``emit``, set by the plugin), which drive WebRTC phones and NethLink."""

    notify_agents: tuple[re.Pattern, ...] = ()
    models: tuple[PhoneModel, ...] = ()
    click_to_call: str = "disabled"
    timeout: float = 5.0
    emit: Emit | None = None
    muted: set[str] = field(default_factory=set)  # channels toggle_mute muted

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Phones:
        try:
            agents = tuple(re.compile(a, re.IGNORECASE) for a in config["notify_user_agents"])
        except re.error as exc:
            raise StaticsError(f"[astproxy] notify_user_agents: not a regular expression: {exc}") from None
        path = config.get("phone_urls_file")
        return cls(agents, load_phone_urls(path) if path else (), config["click_to_call"],
                   config["phone_http_timeout"])

    def takes_notify(self, user_agent: str) -> bool:
        """The phone answers and holds on SIP NOTIFY ``Event: talk`` / ``hold`` (its user agent is listed)."""
        return any(a.search(user_agent or "") for a in self.notify_agents)

    def url_template(self, user_agent: str, action: str) -> str | None:
        """The phone_urls.json template of ``action`` for this user agent (first matching entry), or None."""
        if not user_agent:
            return None
        model = next((m for m in self.models if m.agent.search(user_agent)), None)
        return model.urls.get(action) if model is not None else None

    def phone_url(self, template: str, ip: str, device: Any, exten: str, **values: str) -> str:
        """The URL to GET on the phone at ``ip``; the credentials are the device's web_user / web_password."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            raise PhoneRequestError(f"the phone of {exten} has no known address") from None
        host = f"[{address}]" if address.version == 6 else str(address)
        filled = fill_url(template, {
            "PHONE_USER": (device.web_user if device else None) or "",
            "PHONE_PASS": (device.web_password if device else None) or "",
            "ACCOUNT": exten, "SERVER": socket.gethostname(), **values,
        })
        return filled.replace("$PHONE_IP", host)

    async def get(self, url: str) -> int:
        """GET ``url`` (with a timeout); the phone's status code, PhoneRequestError when it is no success."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=False) as client:  # phones: self-signed
                response = await client.get(url)
        except httpx.HTTPError as exc:
            raise PhoneRequestError(f"{type(exc).__name__}") from None
        if response.status_code not in (200, 202, 204, 302):  # Snom answers 302
            raise PhoneRequestError(f"the phone answered {response.status_code}")
        return response.status_code

    async def to_user(self, username: str, event: str, payload: Any) -> bool:
        """``event`` to every socket.io client of ``username``; False without the websocket plugin."""
        if self.emit is None:
            return False
        await self.emit(event, payload, username)
        return True
