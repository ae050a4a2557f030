"""``/api/*`` of nethcti-middleware that nethcti-server never had: JWT login and logout, 2FA, integration tokens."""

from __future__ import annotations

from datetime import datetime

from nethcti_auth.guard import second_factor
from nethcti_auth.routes import client_address
from nethcti_auth.schemas import LoginSchema
from quart import Blueprint, current_app, g, request

from nethcti.apidoc import documented
from nethcti.errors import BadRequest, NotFound
from nethcti.web import load_params, public
from nethcti_api import history
from nethcti_api.errors import InvalidAudience, InvalidOtp, OtpUserMismatch
from nethcti_api.schemas import HistoryCallsSchema, OtpSchema, PasswordSchema, StatusesSchema
from nethcti_api.service import AUDIENCES, Api

API_PREFIX = "/api"

blueprint = Blueprint("api", __name__)


def service() -> Api:
    return current_app.extensions["api"]


def expiry(epoch: int) -> str:
    """As Go's time.Time in JSON, what the middleware answers: RFC 3339 in local time with its offset."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat()


@blueprint.before_request
async def only_under_api():
    """These routes are the middleware's: they answer under /api, not at / nor under the legacy base path."""
    if request.root_path != API_PREFIX:
        raise NotFound()


@blueprint.post("/login")
@public
@documented(params=LoginSchema, only_under=API_PREFIX, responses={200: {
    "type": "object", "required": ["code", "expire", "token"], "properties": {
        "code": {"const": 200}, "expire": {"type": "string", "format": "date-time"}, "token": {"type": "string"}}}})
async def login():
    params = await load_params(LoginSchema())
    token, expire = await service().login(params["username"], params["password"], client=client_address())
    return {"code": 200, "expire": expiry(expire), "token": token}


@blueprint.post("/logout")
@second_factor  # giving up at the one-time password prompt revokes the token too
@documented(only_under=API_PREFIX)
async def logout():
    await service().logout(g.user, g.token)
    return {"code": 200}


@blueprint.get("/2fa/status")
@documented(only_under=API_PREFIX)
async def two_factor_status():
    return {"status": await service().two_factor.enabled(g.user.username)}


@blueprint.get("/2fa/qr-code")
@documented(only_under=API_PREFIX)
async def qr_code():
    url, key = await service().two_factor.setup(g.user.username)
    return {"code": 200, "message": "QR code string", "data": {"url": url, "key": key}}


@blueprint.post("/2fa/verify-otp")
@second_factor
@documented(params=OtpSchema, only_under=API_PREFIX)
async def verify_otp():
    params = await load_params(OtpSchema())
    if params["username"] and current_app.extensions["users"].resolve(params["username"]) is not g.user:
        raise OtpUserMismatch()
    fresh = await service().verify_otp(g.user, g.token, params["otp"])
    if fresh is None:
        raise InvalidOtp()
    token, expire = fresh
    return {"code": 200, "message": "OTP verified", "data": {"token": token, "expire": expiry(expire)}}


async def confirm_password() -> None:
    """The user's password again (the auth plugin's backends and failure limits): 401 when wrong."""
    params = await load_params(PasswordSchema())
    await current_app.extensions["auth"].authenticate(g.user.username, params["password"], client=client_address())


@blueprint.post("/2fa/disable")
@documented(params=PasswordSchema, only_under=API_PREFIX)
async def disable_2fa():
    await confirm_password()
    await service().disable_2fa(g.user)
    return {"code": 200, "message": "2FA revocate successfully - all sessions invalidated, please login again",
            "data": {"must_relogin": True}}


@blueprint.post("/2fa/recovery-codes")
@documented(params=PasswordSchema, only_under=API_PREFIX)
async def recovery_codes():
    await confirm_password()
    return {"codes": await service().two_factor.new_recovery_codes(g.user.username)}


def audience_of(name: str) -> str:
    audience = name.strip().lower()
    if audience not in AUDIENCES:
        raise InvalidAudience()
    return audience


@blueprint.post("/tokens/persistent/<name>")
@documented(only_under=API_PREFIX)
async def create_persistent_token(name: str):
    return {"token": await service().create_integration_token(g.user, audience_of(name))}


@blueprint.get("/tokens/persistent/<name>")
@documented(only_under=API_PREFIX)
async def check_persistent_token(name: str):
    return {"exists": await current_app.extensions["auth"].has_persistent_token(g.user, audience_of(name))}


@blueprint.delete("/tokens/persistent/<name>")
@documented(responses={204: None}, only_under=API_PREFIX)
async def remove_persistent_token(name: str):
    await current_app.extensions["auth"].remove_persistent_tokens(g.user, audience_of(name))
    return "", 204


@blueprint.get("/history/calls")
@documented(params=HistoryCallsSchema, only_under=API_PREFIX)
async def history_calls():
    query = HistoryCallsSchema().load(dict(request.args))
    service = current_app.extensions.get("history")
    limit = current_app.plugin_config("history")["max_limit"] if service is not None else 0
    return await history.calls(service, limit, g.user, query)


@blueprint.post("/history/statuses")
@documented(params=StatusesSchema, only_under=API_PREFIX)
async def history_statuses():
    params = await load_params(StatusesSchema())
    lookups = params["lookups"] or [{"uniqueid": uniqueid} for uniqueid in params["uniqueids"]]
    if not lookups:
        raise BadRequest("uniqueids is required")
    return {"code": 200, "message": "success", "data": history.statuses(lookups)}
