"""``[provisioning]``: the original's pass-through to FreePBX's provisioning API and to Tancredi."""

from __future__ import annotations

from nethcti import hookimpl
from nethcti_provisioning.routes import blueprint
from nethcti_provisioning.schemas import ProvisioningSchema
from nethcti_provisioning.service import Upstream

requires = ("auth", "users")


@hookimpl
def register_config_schema():
    return ProvisioningSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    app.extensions["provisioning"] = Upstream(app.plugin_config("provisioning"))


@hookimpl
async def shutdown(app):
    upstream = app.extensions.pop("provisioning", None)
    if upstream is not None:
        await upstream.close()
