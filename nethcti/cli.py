"""The ``nethcti`` command: serve, plugins, config, check, reload, and the commands plugins add."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from loguru import logger

from nethcti import __version__
from nethcti.app import create_app
from nethcti.config import Settings, conf_dir_from
from nethcti.doctor import report, run_checks
from nethcti.errors import StartupError
from nethcti.nethvoice.command import add_command as add_import_command
from nethcti.plugins import BUILTIN_PLUGINS, PluginManager, installed_plugins
from nethcti.server import bootstrap, runtime_dir, serve, signal_running_server

CONF_DIR_HELP = "conf.d directory (default: $NETHCTI_CONF_DIR or /etc/nethcti/conf.d)"


def cmd_serve(settings: Settings, pm: PluginManager, args) -> int:
    _port_from(settings, args)
    app = create_app(settings, pm)
    asyncio.run(serve(app))
    return 0


def cmd_plugins(settings: Settings, pm: PluginManager, args) -> int:
    rows = [(name, "builtin", __version__) for name in BUILTIN_PLUGINS]
    for name, ep in sorted(installed_plugins().items()):
        state = "enabled" if pm.has_plugin(name) else "blocked"
        rows.append((name, state, ep.dist.version if ep.dist else "?"))
    width = max(len(name) for name, _, _ in rows)
    for name, state, version in rows:
        print(f"{name:<{width}}  {state:<8}  {version}")
    return 0


def cmd_config(settings: Settings, pm: PluginManager, args) -> int:
    print(json.dumps(settings.redacted(), indent=2, sort_keys=True))
    return 0


def cmd_check(settings: Settings, pm: PluginManager, args) -> int:
    enabled = [name for name in pm.order if name not in BUILTIN_PLUGINS]
    print(f"configuration OK ({settings.conf_dir}): plugins enabled: {', '.join(enabled) or 'none'}")
    return 0


def _port_from(settings: Settings, args) -> None:
    """``--port`` overrides ``[server] port``: one conf.d for several processes (systemd's nethcti@<port>)."""
    if getattr(args, "port", None):
        settings.server["port"] = args.port


def cmd_reload(settings: Settings, pm: PluginManager, args) -> int:
    _port_from(settings, args)
    pid = signal_running_server(runtime_dir(settings.server))
    print(f"reload requested (SIGHUP to pid {pid})")
    return 0


def cmd_doctor(settings: Settings, pm: PluginManager, args) -> int:
    text, problems = report(asyncio.run(run_checks(settings, pm)))
    print(text)
    return 1 if problems else 0


def build_parser(pm: PluginManager | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nethcti", description="CTI server for Asterisk (NethVoice compatible)")
    parser.add_argument("--conf-dir", help=CONF_DIR_HELP)
    parser.add_argument("--version", action="version", version=f"nethcti {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, func, text in [
        ("serve", cmd_serve, "run the server"),
        ("plugins", cmd_plugins, "list installed plugins: enabled, blocked, versions"),
        ("config", cmd_config, "print the effective configuration, secrets redacted"),
        ("check", cmd_check, "validate the configuration and exit"),
        ("reload", cmd_reload, "ask the running server to reload (SIGHUP)"),
        ("doctor", cmd_doctor, "check AMI, databases, Redis and file permissions; say what to fix"),
    ]:
        command = commands.add_parser(name, help=text, description=text)
        command.set_defaults(func=func)
        if name in ("serve", "reload"):
            command.add_argument("--port", type=int, choices=range(1, 65536), metavar="PORT",
                                 help="instead of [server] port (several processes on one conf.d)")
    add_import_command(commands)  # the host's, not a plugin's: it must run before conf.d exists or validates
    if pm is not None:
        pm.call_each("register_commands", subparsers=commands)
    _accept_conf_dir(commands)
    return parser


def _accept_conf_dir(subparsers: argparse._SubParsersAction) -> None:
    """``--conf-dir`` after any command too (``nethcti serve --conf-dir DIR``), plugins' commands included;
    ``main`` has read it already, wherever it is."""
    for command in subparsers.choices.values():
        if "--conf-dir" not in command._option_string_actions:
            command.add_argument("--conf-dir", default=argparse.SUPPRESS, help=CONF_DIR_HELP)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_conf_dir(action)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--conf-dir")
    known, _ = early.parse_known_args(argv)
    try:
        settings, pm = bootstrap(conf_dir_from(known.conf_dir))
        problem = None
    except StartupError as exc:
        settings, pm, problem = None, None, exc
    args = build_parser(pm).parse_args(argv)
    if problem is not None and getattr(args, "needs_config", True):
        print(f"nethcti: {problem}", file=sys.stderr)
        return 1
    try:
        return args.func(settings, pm, args) or 0
    except StartupError as exc:
        logger.error("{}", exc)
        print(f"nethcti: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
