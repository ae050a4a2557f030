"""The plugin contract: every hook a nethcti plugin may implement.

Hooks named ``register_*`` return data and the host wires it up. Async hooks are
awaited one plugin at a time, in dependency order (``requires``), never ``firstresult``.
Plugins that produce domain events add hookspecs of their own (see docs/hooks.md).
"""

import pluggy

hookspec = pluggy.HookspecMarker("nethcti")
hookimpl = pluggy.HookimplMarker("nethcti")


@hookspec
def register_config_schema():
    """Sync. Return the marshmallow Schema (class or instance) of this plugin's conf.d section."""


@hookspec
def configure(app):
    """Sync. Process-wide set-up from ``app.settings`` (logging sinks), before routes and start-up."""


@hookspec
def register_routes():
    """Sync. Return a Quart Blueprint, or a list of them, served at / and under the base path."""


@hookspec
def register_path_prefixes():
    """Sync. Return a mapping path prefix ("/api") -> its socket.io path ("/api/ws") or None: routes answer there."""


@hookspec
def register_socketio_handlers():
    """Sync. Return a mapping socket.io event name -> ``async def handler(app, sid, data)``."""


@hookspec
def register_ami_handlers():
    """Sync. Return a mapping AMI event name or glob ("*", "Queue*") -> ``async def handler(app, event)``."""


@hookspec
def register_commands(subparsers):
    """Sync. Add ``nethcti`` sub-commands to the argparse ``subparsers``; set ``func(settings, pm, args)``."""


@hookspec
async def startup(app):
    """Async. Build this plugin's state and services on the app; called before serving."""


@hookspec
async def shutdown(app):
    """Async. Release what startup built; called in reverse dependency order."""


@hookspec
async def reload(app):
    """Async. Re-read external files (users.json …) or reopen logs; on SIGHUP / ``nethcti reload``."""


@hookspec
def collect_status(app):
    """Sync. Return a JSON-able dict describing this plugin's health; ``"ok": False`` degrades /status."""


@hookspec
def doctor_checks(settings, pm):
    """Sync or async. For ``nethcti doctor``: check what this plugin needs outside nethcti; return nethcti.Findings."""
