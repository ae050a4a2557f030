"""``POST /astproxy/unauthe_call``: a call without a token, when configured, from configured addresses only."""

from __future__ import annotations

import ipaddress

from nethcti.errors import Unauthorized
from nethcti_astproxy.ops.calls import originate_call
from nethcti_astproxy.ops.common import Context, Exten, Number, Params


class UnauthenticatedCallRefused(Unauthorized):
    error_id, message = "unauthe-call-refused", "Calls without a token are not allowed from this address"


class UnautheCallParams(Params):
    endpointId = Exten(required=True)
    number = Number(required=True)


def allowed(address: str, enabled: bool, networks: list[str]) -> bool:
    """Whether ``address`` (the client's, after trusted proxies) may call without a token."""
    if not enabled:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)


def require_allowed(address: str, enabled: bool, networks: list[str]) -> None:
    """401 unless calls without a token are on and ``address`` is in one of ``networks``; checked first."""
    if not allowed(address, enabled, networks):
        raise UnauthenticatedCallRefused()


async def unauthe_call(ctx: Context, params: dict) -> dict:
    """The ``call`` originate from ``endpointId`` to ``number`` (prefixed as ``call``)."""
    exten = params["endpointId"]
    ctx.extension(exten)
    return await originate_call(ctx, exten, ctx.add_prefix(params["number"]))
