"""``/dbconn/test``: nethcti-server's database connection test, a thin view over the Dbconn service."""

from __future__ import annotations

from quart import Blueprint, current_app, g

from nethcti.apidoc import documented
from nethcti.web import load_params
from nethcti_dbconn.schemas import ConnectionTest

blueprint = Blueprint("dbconn", __name__, url_prefix="/dbconn")


@blueprint.post("/test")
@documented(params=ConnectionTest)
async def test_connection():
    await current_app.extensions["dbconn"].test(g.user, await load_params(ConnectionTest()))
    return {}
