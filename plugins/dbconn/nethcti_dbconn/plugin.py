"""``[dbconn]``: POST /dbconn/test, whether a database answers with the given parameters (admins only)."""

from __future__ import annotations

from nethcti import hookimpl
from nethcti_dbconn.routes import blueprint
from nethcti_dbconn.schemas import DbconnSchema
from nethcti_dbconn.service import DRIVERS, Dbconn

requires = ("auth", "users")


@hookimpl
def register_config_schema():
    return DbconnSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    config = app.plugin_config("dbconn")
    app.extensions["dbconn"] = Dbconn(config["admins"], config["timeout"])


@hookimpl
def collect_status(app):
    service = app.extensions.get("dbconn")
    if service is None:
        return {"ok": False}
    return {"ok": True, "admins": len(service.admins), "types": sorted(DRIVERS)}
