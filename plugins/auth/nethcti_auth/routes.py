"""``/authentication/*``: login (nonce), logout, persistent and phone-island tokens."""

from __future__ import annotations

from quart import Blueprint, current_app, g, request

from nethcti.apidoc import EMPTY as EMPTY_OBJECT
from nethcti.apidoc import documented
from nethcti.web import load_params, public
from nethcti_auth.errors import InvalidCredentials, TooManyLoginFailures, UserNotConfigured
from nethcti_auth.schemas import LoginSchema, PersistentRemoveSchema, PhoneIslandSchema
from nethcti_auth.service import NO_EXPIRY, Auth, phone_island_audience

blueprint = Blueprint("auth", __name__, url_prefix="/authentication")

EMPTY = ("text/html", {"type": "string", "maxLength": 0})  # "" as the original answers
TOKEN = {"type": "object", "required": ["token", "username"],
         "properties": {"token": {"type": "string"}, "username": {"type": "string"}}}


def service() -> Auth:
    return current_app.extensions["auth"]


def client_address() -> str:
    """The peer address, or the nearest untrusted X-Forwarded-For hop when the peer is a trusted proxy."""
    trusted = current_app.plugin_config("auth")["trusted_proxies"]
    address = request.remote_addr or ""
    if address in trusted:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop
    return address


@blueprint.post("/login")
@public
@documented(summary="The nonce login: answers 401 with the nonce", params=LoginSchema, responses={401: EMPTY},
            errors=[InvalidCredentials, UserNotConfigured, TooManyLoginFailures],
            description="Good credentials answer 401 too, empty, with the nonce in `WWW-Authenticate: Digest "
                        "<nonce>`: the token is HMAC-SHA1(password, `<username>:<password>:<nonce>`) in hex "
                        "(docs/authentication.md).")
async def login():
    """Good credentials answer 401 with ``WWW-Authenticate: Digest <nonce>``, as the clients expect."""
    params = await load_params(LoginSchema())
    persistent = request.headers.get("auth-exp") == "no-exp"
    nonce = await service().login(
        params["username"], params["password"], client=client_address(), persistent=persistent
    )
    return "", 401, {"WWW-Authenticate": f"Digest {nonce}"}


@blueprint.post("/logout")
@documented(responses={200: EMPTY})
async def logout():
    await service().logout(g.login, g.token)
    return "", 200


@blueprint.post("/persistent_token_login")
@documented(responses={200: TOKEN})
async def persistent_token_login():
    token = await service().create_persistent_token(g.user, g.token, NO_EXPIRY)
    return {"token": token, "username": g.user.username}


@blueprint.post("/phone_island_token_login")
@documented(params=PhoneIslandSchema, responses={200: TOKEN})
async def phone_island_token_login():
    params = await load_params(PhoneIslandSchema())
    token = await service().create_persistent_token(g.user, g.token, phone_island_audience(params["subtype"]))
    return {"token": token, "username": g.user.username}


@blueprint.get("/phone_island_token_check")
@blueprint.get("/phone_island_token_check/<subtype>")
@documented(params=PhoneIslandSchema, responses={200: {"type": "object", "required": ["exists"], "properties": {
    "exists": {"type": "boolean", "description": "the caller has a persistent token of that kind"}}}})
async def phone_island_token_check(subtype: str | None = None):
    params = PhoneIslandSchema().load({"subtype": subtype} if subtype else dict(request.args))
    return {"exists": await service().has_persistent_token(g.user, phone_island_audience(params["subtype"]))}


@blueprint.post("/persistent_token_remove")
@documented(params=PersistentRemoveSchema, responses={200: EMPTY_OBJECT})
async def persistent_token_remove():
    params = await load_params(PersistentRemoveSchema())
    audience = NO_EXPIRY if params["type"] == "no-exp" else phone_island_audience(params["subtype"])
    await service().remove_persistent_tokens(g.user, audience)
    return {}
