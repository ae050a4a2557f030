"""``nethcti user passwd USERNAME``: set or delete a password in the passwords file (the ``file`` backend)."""

from __future__ import annotations

import getpass
import sys

from nethcti_users.loader import LoadError, load_directory

from nethcti_auth.backends import password_file_path
from nethcti_auth.passwords import PasswordFile


def add_commands(subparsers) -> None:
    user = subparsers.add_parser("user", help="manage CTI users' passwords", description="manage CTI users' passwords")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    passwd = actions.add_parser(
        "passwd", help="set the password of USERNAME (read from stdin when it is not a terminal)",
        description="Set the password of USERNAME in the passwords file of the 'file' backend. "
                    "On a terminal it is asked twice; otherwise the first line of stdin is the password.",
    )
    passwd.add_argument("username")
    passwd.add_argument("--delete", action="store_true", help="remove the password instead")
    passwd.set_defaults(func=cmd_passwd)


def cmd_passwd(settings, pm, args) -> int:
    config = settings.plugin("auth")
    path = password_file_path(config, settings.server["state_dir"])
    username = args.username.lower()
    try:
        known = username in load_directory(settings.plugin("users")).users
    except LoadError as exc:
        return _fail(f"[users] {exc}")
    if not known and not args.delete:
        return _fail(f"user {username!r} is not configured in [users]")
    passwords = PasswordFile(path)
    if args.delete:
        if not passwords.delete(username):
            return _fail(f"{path}: no password for {username!r}")
        print(f"password of {username} removed from {path}")
        return 0
    password = _read_password()
    if not password:
        return _fail("empty password refused")
    passwords.set(username, password)
    print(f"password of {username} set in {path}")
    if config["backend"] != "file":
        print(f"note: [auth] backend is {config['backend']!r}, which does not read this file", file=sys.stderr)
    return 0


def _read_password() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        print("nethcti: the passwords differ", file=sys.stderr)
        return None
    return first


def _fail(message: str) -> int:
    print(f"nethcti: {message}", file=sys.stderr)
    return 1
