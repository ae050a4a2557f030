"""The ``nethcti import-nethvoice [DIR]`` sub-command: read, report, write, then check the result."""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import sys
from pathlib import Path

from nethcti.config import conf_dir_from
from nethcti.errors import StartupError
from nethcti.nethvoice.mapping import build_plan
from nethcti.nethvoice.plan import Plan
from nethcti.nethvoice.source import DEFAULT_SOURCE, read_source
from nethcti.nethvoice.writer import Owner, write_plan

HELP = "write conf.d drop-ins from the original nethcti-server's configuration (NethVoice's /etc/nethcti)"


def add_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import-nethvoice", help=HELP, description=HELP + ". See docs/nethvoice.md.")
    parser.add_argument("source", nargs="?", default=DEFAULT_SOURCE, metavar="DIR",
                        help=f"the original's configuration directory (default {DEFAULT_SOURCE})")
    parser.add_argument("--output", "-o", metavar="DIR",
                        help="where to write the drop-ins (default: the conf.d directory, see --conf-dir)")
    parser.add_argument("--secrets-dir", metavar="DIR",
                        help="where to write the database URLs, one file each, mode 0600 (default: OUTPUT/secrets)")
    parser.add_argument("--owner", metavar="USER[:GROUP]",
                        help="owner of the secrets: the user nethcti runs as (default: whoever runs the import)")
    parser.add_argument("--force", action="store_true",
                        help="replace drop-ins that exist with other content, keeping each as <name>.bak")
    parser.add_argument("--dry-run", action="store_true", help="print what would be mapped, write nothing")
    # runs when conf.d is missing or broken too: it is what makes conf.d
    parser.set_defaults(func=run, needs_config=False)


def run(settings, pm, args) -> int:
    from nethcti.plugins import installed_plugins  # entry points are looked up only when the command runs

    output = Path(args.output) if args.output else conf_dir_from(getattr(args, "conf_dir", None))
    secrets_dir = Path(args.secrets_dir) if args.secrets_dir else output / "secrets"
    try:
        owner = parse_owner(args.owner) if args.owner else None
        source = read_source(Path(args.source))
        plan = build_plan(source, installed=set(installed_plugins()))
        print_report(plan)
        if args.dry_run:
            print(f"\ndry run: nothing written (would write {len(plan.sections)} drop-ins to {output.absolute()})")
            return 0
        written = write_plan(plan, output.absolute(), secrets_dir.absolute(), force=args.force, owner=owner)
    except StartupError as exc:
        print(f"nethcti import-nethvoice: {exc}", file=sys.stderr)
        return 1
    print("\nwritten:")
    for path in written:
        print(f"  {path}")
    if owner is None and os.geteuid() == 0 and plan.secrets:
        print(f"note: the secrets in {secrets_dir} are readable by root only: give --owner the user nethcti runs as")
    return check(output)


def parse_owner(text: str) -> Owner:
    user, _, group = text.partition(":")
    try:
        entry = pwd.getpwnam(user)
        gid = grp.getgrnam(group).gr_gid if group else entry.pw_gid
    except KeyError:
        raise StartupError(f"--owner {text}: no such user or group") from None
    return Owner(entry.pw_uid, gid)


def print_report(plan: Plan) -> None:
    mapped = [note for note in plan.notes if note.mapped]
    skipped = [note for note in plan.notes if not note.mapped]
    print(f"read {plan.source.directory}: {len(plan.source.documents)} files, "
          f"{len(plan.source.connections)} database connections")
    print(f"\nmapped ({len(mapped)}):")
    width = max((len(note.origin) for note in plan.notes), default=0)
    for note in mapped:
        print(f"  {note.origin:<{width}}  -> {note.text}")
    print(f"\nnot carried over ({len(skipped)}):")
    for note in skipped:
        print(f"  {note.origin:<{width}}  !! {note.text}")


def check(conf_dir: Path) -> int:
    """What ``nethcti check`` says of the result: the import's exit status."""
    from nethcti.server import bootstrap

    try:
        bootstrap(conf_dir)
    except StartupError as exc:
        print(f"\nnethcti check: {exc}", file=sys.stderr)
        return 1
    print(f"\nnethcti check: configuration OK ({conf_dir}); next: nethcti serve (docs/nethvoice.md)")
    return 0
