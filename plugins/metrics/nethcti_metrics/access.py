"""Who may scrape: an address allowlist (loopback by default), and a bearer token when one is configured."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable, Mapping

from nethcti.errors import Forbidden, Unauthorized

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressNotAllowed(Forbidden):
    error_id = "metrics-address-not-allowed"


class MetricsTokenRequired(Unauthorized):
    error_id = "metrics-token-required"


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` -> networks; ValueError names a bad entry."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]


def forwarded_hops(headers: Mapping[str, str]) -> list[str]:
    """The client addresses proxies recorded (X-Forwarded-For, X-Real-IP, Forwarded ``for=``), in any order."""
    hops = [hop.strip() for hop in headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    if real := headers.get("X-Real-IP", "").strip():
        hops.append(real)
    for element in headers.get("Forwarded", "").replace(";", ",").split(","):
        name, _, value = element.strip().partition("=")
        if name.lower() == "for" and value:
            hops.append(_node_address(value.strip('"')))
    return hops


def _node_address(node: str) -> str:
    """RFC 7239 node -> address: ``"[2001:db8::1]:4711"`` -> 2001:db8::1, ``192.0.2.1:80`` -> 192.0.2.1."""
    if node.startswith("["):
        return node[1:].partition("]")[0]
    return node.partition(":")[0] if node.count(":") == 1 else node


class Access:
    """The scrape is allowed when its peer and every proxy hop it came through are in ``allow``, and, with a
    ``token``, it sends ``Authorization: Bearer <token>``.

    Every hop is checked because behind NethVoice's Apache the peer is 127.0.0.1 for anyone on the internet:
    the proxy appends the real client to X-Forwarded-For, and a client cannot remove itself from it.
    """

    def __init__(self, allow: Iterable[str], token: str | None):
        self.networks = parse_networks(allow)
        self.token = token or None

    def allowed_address(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def check(self, peer: str | None, headers: Mapping[str, str]) -> None:
        """Raise AddressNotAllowed (403) or MetricsTokenRequired (401); return when the scrape may go on."""
        for address in [peer, *forwarded_hops(headers)]:
            if not self.allowed_address(address):
                raise AddressNotAllowed(f"{address or 'this address'} may not read the metrics ([metrics] allow)")
        if self.token is None:
            return
        scheme, _, presented = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), self.token.encode()):
            raise MetricsTokenRequired("the metrics need Authorization: Bearer <[metrics] token>",
                                       headers={"WWW-Authenticate": 'Bearer realm="nethcti metrics"'})
