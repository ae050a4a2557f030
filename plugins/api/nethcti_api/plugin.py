"""``[api]``: nethcti-middleware's /api front, in-process: JWT login, TOTP 2FA, /api/ws, every route under /api."""

from __future__ import annotations

import asyncio

from cryptography.fernet import Fernet
from loguru import logger
from nethcti_auth.routes import client_address
from quart import current_app, request

from nethcti import hookimpl
from nethcti_api import keys
from nethcti_api.errors import TooManyRequestsFromAddress
from nethcti_api.jwts import Codec
from nethcti_api.routes import API_PREFIX, blueprint
from nethcti_api.schemas import ApiSchema
from nethcti_api.service import Api
from nethcti_api.store import Base, LiveTokens
from nethcti_api.twofactor import TwoFactor

requires = ("auth", "users", "database")

SOCKETIO_PATH = "/api/ws"  # phone-island: io("https://host", {path: "/api/ws"})
RATE_LIMITER = "api_rate_limiter"  # app.extensions key
PURGE_SECONDS = 3600


@hookimpl
def register_config_schema():
    return ApiSchema


@hookimpl
def register_path_prefixes():
    return {API_PREFIX: SOCKETIO_PATH}


@hookimpl
def configure(app):
    """The per-address limit runs before every other request check (registered before any blueprint's); its
    buckets are made at start-up, in the shared state (Redis, when the websocket plugin's configure put it there),
    so that the limit holds for the service and not per process."""
    if app.plugin_config("api")["rate_limit"] > 0:
        app.before_request(limit_rate)


async def limit_rate():
    if request.root_path != API_PREFIX:
        return
    if not await current_app.extensions[RATE_LIMITER].allow(client_address()):
        raise TooManyRequestsFromAddress(headers={"Retry-After": "1"})


@hookimpl
def register_routes():
    return blueprint


@hookimpl(optionalhook=True)  # spec of the database plugin
def register_database_tables():
    return Base.metadata


@hookimpl
async def startup(app):
    config, auth_config = app.plugin_config("api"), app.plugin_config("auth")
    master = keys.load_or_create(app.settings.server["state_dir"])
    codec = Codec(config["jwt_secret"] or keys.derive(master, "jwt"), config["jwt_lifetime"])
    db = app.extensions["database"]
    two_factor = TwoFactor(db, Fernet(keys.fernet_key(master, "totp")), keys.derive(master, "recovery"),
                           config["issuer"])
    auth = app.extensions["auth"]
    if config["rate_limit"] > 0:
        app.extensions[RATE_LIMITER] = auth.shared.rate_limiter("api", config["rate_limit"], config["rate_limit_burst"])
    # shared with the other processes (Redis), as the password failures and the rate limit
    otp_failures = auth.shared.limiter("otp", config["max_otp_failures"], auth_config["failure_window"])
    live = LiveTokens(db)
    api = Api(auth, codec, live, two_factor, otp_failures)
    app.extensions["api"] = api
    auth.add_bearer_scheme(api)
    auth.subscribe(live.revoked)  # a JWT revoked by another process stops working here at once, not after the cache
    auth.shared.subscribe("resync", live.resync)
    await api.purge()
    app.spawn(purge_forever(api), "api-purge")


async def purge_forever(api: Api) -> None:
    while True:
        await asyncio.sleep(PURGE_SECONDS)
        try:
            logger.debug("api: {} expired JWTs forgotten", await api.purge())
        except Exception as exc:  # the database is down: try again next time
            logger.opt(exception=exc).error("api: purging expired JWTs failed")


@hookimpl
def collect_status(app):
    return {"ok": "api" in app.extensions, "prefix": API_PREFIX, "socketio_path": SOCKETIO_PATH}
