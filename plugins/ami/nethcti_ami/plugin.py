"""The ami plugin: the AMI link, events to the plugins that register handlers, actions for the others."""

from __future__ import annotations

from loguru import logger

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti_ami import hookspecs  # published for other plugins (the host calls pm.add_hookspecs)
from nethcti_ami.config import AMISchema, resolve_target
from nethcti_ami.connector import Backoff, Connector
from nethcti_ami.dispatch import Dispatcher
from nethcti_ami.service import AMIService

__all__ = ["hookspecs"]


@hookimpl
def register_config_schema():
    return AMISchema


@hookimpl
async def startup(app):
    config = app.plugin_config("ami")
    dispatcher = Dispatcher(app.pm.call_each("register_ami_handlers"), config["queue_size"])

    async def link_up():
        await app.notify("ami_connected", app=app)

    async def link_down():
        await app.notify("ami_disconnected", app=app)

    connector = Connector(
        resolve_target(config),
        dispatcher.dispatch,
        on_up=link_up,
        on_down=link_down,
        action_timeout=config["action_timeout"],
        backoff=Backoff(config["reconnect_min"], config["reconnect_max"]),
        ping_interval=config["ping_interval"],
    )
    app.extensions["ami"] = AMIService(connector, dispatcher, config["action_timeout"])
    dispatcher.start(app, app.spawn)

    # Connect only once every plugin has started, so that none misses the first ami_connected.
    @app.while_serving
    async def connected_while_serving():
        task = app.spawn(connector.run(), "ami-connector")
        yield
        task.cancel()  # logs off; the host cancels the event workers after this


@hookimpl
async def reload(app):
    try:
        target = resolve_target(app.plugin_config("ami"))
    except StartupError as exc:
        logger.error("AMI: reload: {}; keeping the current connection settings", exc)
        return
    app.extensions["ami"].connector.retarget(target)


@hookimpl
async def doctor_checks(settings):
    from nethcti_ami.doctor import doctor_findings  # only `nethcti doctor` needs it

    return await doctor_findings(settings.plugin("ami"))


@hookimpl
def collect_status(app):
    service = app.extensions.get("ami")
    if service is None:
        return {"ok": False, "state": "not started"}
    return service.status()
