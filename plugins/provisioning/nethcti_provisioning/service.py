"""Requests forwarded to FreePBX's REST API and Tancredi with the server's admin credentials (httpx)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from nethcti_provisioning.errors import ProvisioningTimeout, ProvisioningUnreachable

MAC = re.compile(r"\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b")
# what is passed back of the upstream answer (hop-by-hop and length headers are the server's own business)
ANSWER_HEADERS = ("content-type",)


def normalize_mac(mac: str) -> str:
    return mac.strip().lower().replace(":", "-")


def macs_in(value: Any) -> set[str]:
    """Every MAC address written anywhere in a JSON value, normalised."""
    if isinstance(value, str):
        return {normalize_mac(m) for m in MAC.findall(value)}
    if isinstance(value, dict):
        return set().union(*(macs_in(v) for v in [*value.keys(), *value.values()])) if value else set()
    if isinstance(value, list):
        return set().union(*(macs_in(v) for v in value)) if value else set()
    return set()


def owned_macs(extensions: Iterable[Any]) -> set[str]:
    return {normalize_mac(e.mac) for e in extensions if getattr(e, "mac", None)}


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


class Upstream:
    """One HTTP client for both upstreams; every request bounded by ``timeout``."""

    def __init__(self, config: dict, transport: httpx.AsyncBaseTransport | None = None):
        self.freepbx, self.tancredi = config["freepbx_url"].rstrip("/"), config["tancredi_url"].rstrip("/")
        self.client = httpx.AsyncClient(
            timeout=config["timeout"], verify=config["verify_tls"], transport=transport, follow_redirects=False,
            headers={"User": config["admin_user"], "Secretkey": config["admin_secret"]},
        )

    async def forward(self, base: str, method: str, path: str, query: bytes = b"", body: bytes | None = None,
                      content_type: str | None = None) -> Answer:
        url = f"{base}{path}" + (f"?{query.decode('latin-1')}" if query else "")
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = await self.client.request(method, url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise ProvisioningTimeout(details={"url": base}) from None
        except httpx.HTTPError as exc:
            raise ProvisioningUnreachable(details={"url": base, "error": type(exc).__name__}) from None
        kept = {name: response.headers[name] for name in ANSWER_HEADERS if name in response.headers}
        return Answer(response.status_code, response.content, kept)

    async def close(self) -> None:
        await self.client.aclose()
