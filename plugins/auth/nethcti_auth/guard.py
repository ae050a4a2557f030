"""Every route needs ``Authorization: <login>:<token>`` unless its view is public; its permission is checked first."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti_auth.errors import AuthenticationRequired, InvalidToken, MalformedAuthorization, PermissionDenied

MAX_HEADER_LENGTH = 1024

guard = Blueprint("auth_guard", __name__)


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
    login, token = parse_authorization(request.headers.get("Authorization"))
    user = await current_app.extensions["auth"].verify_token(login, token)
    if user is None:
        raise InvalidToken()
    g.user, g.login, g.token = user, login, token
    needed = getattr(view, "nethcti_permission", None)
    if needed is not None and not user.can(needed):
        raise PermissionDenied(details={"permission": needed})
