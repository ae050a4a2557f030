"""``GET /status``: no authentication; overall health and what each enabled plugin reports."""

from quart import Blueprint, current_app

from nethcti import __version__
from nethcti.apidoc import documented
from nethcti.hookspecs import hookimpl
from nethcti.plugins import BUILTIN_PLUGINS
from nethcti.web import public

blueprint = Blueprint("status", __name__)

STATUS = {"type": "object", "required": ["status", "version", "plugins"], "properties": {
    "status": {"enum": ["ok", "degraded"]}, "version": {"type": "string"},
    "plugins": {"type": "object", "additionalProperties": {"type": "object", "required": ["ok"],
                                                           "properties": {"ok": {"type": "boolean"}}}},
}}


def status_report(app) -> dict:
    plugins = {name: {"ok": True} for name in app.pm.order if name not in BUILTIN_PLUGINS}
    reports = dict(app.pm.call_each("collect_status", isolate=True, app=app))
    for impl in app.pm.implementations("collect_status"):
        # a plugin whose hook raised (logged by call_each) reports nothing: that is unhealthy
        report = reports.get(impl.plugin_name, {"ok": False, "error": "collect_status failed, see the log"})
        plugins[impl.plugin_name] = {"ok": True, **report}
    for name, report in plugins.items():
        queue = app.delivery.status(name)
        if queue is not None:  # the plugin has heard domain events: how many wait, how many were dropped
            report["hook_queue"] = queue
    healthy = all(report["ok"] for report in plugins.values())
    return {"status": "ok" if healthy else "degraded", "version": __version__, "plugins": plugins}


@blueprint.get("/status")
@public
@documented(summary="Overall health and what each enabled plugin reports", responses={200: STATUS})
async def status():
    return status_report(current_app)


@hookimpl
def register_routes():
    return blueprint
