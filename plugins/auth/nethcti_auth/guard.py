"""Every route needs ``Authorization: <login>:<token>`` or ``Bearer <token>`` unless public; permission first."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti_auth.errors import (
    AuthenticationRequired,
    InvalidToken,
    MalformedAuthorization,
    PermissionDenied,
    SecondFactorRequired,
)

MAX_HEADER_LENGTH = 1024

guard = Blueprint("auth_guard", __name__)


def second_factor(view):
    """Mark a view that a bearer token still waiting for its second factor may reach (``/api/2fa/verify-otp``)."""
    view.nethcti_second_factor = True
    return view


def parse_bearer(value: str | None) -> str | None:
    """The token of ``Bearer <token>`` (scheme in any case), else None."""
    scheme, space, token = (value or "").partition(" ")
    if not space or scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or len(value) > MAX_HEADER_LENGTH or any(c.isspace() for c in token):
        raise MalformedAuthorization()
    return token


def parse_authorization(value: str | None) -> tuple[str, str]:
    """``"alice:3f2a…"`` -> ("alice", "3f2a…"), split at the first colon as the original; no scheme."""
    if value is None:
        raise AuthenticationRequired()
    login, colon, token = value.partition(":")
    if not colon or not login or len(value) > MAX_HEADER_LENGTH or any(c.isspace() for c in value):
        raise MalformedAuthorization()
    return login, token


@guard.before_app_request
async def require_token():
    if request.method == "OPTIONS" or request.routing_exception is not None:
        return  # CORS preflight; an unknown path or method keeps the host's 404 / 405, token or not
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "nethcti_public", False):
        return
    header = request.headers.get("Authorization")
    if (bearer := parse_bearer(header)) is not None:
        grant = await current_app.extensions["auth"].verify_bearer(bearer)
        if grant is None:
            raise InvalidToken()
        if grant.pending and not getattr(view, "nethcti_second_factor", False):
            raise SecondFactorRequired()
        user, login, token = grant.user, grant.login, bearer
    else:
        login, token = parse_authorization(header)
        user = await current_app.extensions["auth"].verify_token(login, token)
        if user is None:
            raise InvalidToken()
    g.user, g.login, g.token = user, login, token
    needed = getattr(view, "nethcti_permission", None)
    if needed is not None and not user.can(needed):
        raise PermissionDenied(details={"permission": needed})
