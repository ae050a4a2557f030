"""Command line: ``python -m demopbx run|write-config [options]``.

``run`` starts the demo PBX, prints how to reach AMI and stays in the
foreground until SIGINT/SIGTERM, then stops Asterisk and sipp cleanly.
``write-config`` only renders the configuration into ``DIR/etc``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time

from . import DEFAULT_AMI_SECRET, DEFAULT_AMI_USERNAME, EXTENSIONS, DemoPBX, DemoPBXError

DEFAULT_DIR = os.path.join(tempfile.gettempdir(), f"demopbx-{os.getuid()}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m demopbx", description="Private, loopback-only Asterisk 16 for nethcti.")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, help_ in (
        ("run", "start the PBX and stay in the foreground"),
        ("write-config", "only write the configuration"),
    ):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--dir", default=DEFAULT_DIR, help=f"work dir (config, logs, AstDB); default {DEFAULT_DIR}")
        s.add_argument("--ami-port", type=int, default=5038, help="AMI port (0: any free)")
        s.add_argument("--sip-port", type=int, default=25060, help="Asterisk SIP/UDP port")
        s.add_argument("--sipp-port", type=int, default=25070, help="sipp UAS port, where the phones' contacts point")
        s.add_argument("--rtp-start", type=int, default=25100)
        s.add_argument("--rtp-end", type=int, default=25199)
        s.add_argument("--ami-username", default=DEFAULT_AMI_USERNAME)
        s.add_argument("--ami-secret", default=DEFAULT_AMI_SECRET)
        s.add_argument("--verbose", type=int, default=3, help="Asterisk verbosity written to DIR/log/full")
        if name == "run":
            s.add_argument("--timeout", type=float, default=20, help="boot timeout (s)")
            s.add_argument("--json", action="store_true", help="print the connection info as one JSON line")
    return p


def _make(args) -> DemoPBX:
    return DemoPBX(
        args.dir,
        ami_port=args.ami_port or None,
        sip_port=args.sip_port or None,
        sipp_port=args.sipp_port or None,
        rtp_start=args.rtp_start or None,
        rtp_end=args.rtp_end or None,
        ami_username=args.ami_username,
        ami_secret=args.ami_secret,
        verbose=args.verbose,
    )


def _info(pbx: DemoPBX) -> dict:
    return {
        "ami": pbx.ami_info(),
        "sip": {"host": pbx.host, "port": pbx.sip_port},
        "sipp": {"host": pbx.host, "port": pbx.sipp_port},
        "rtp": [pbx.rtp_start, pbx.rtp_end],
        "workdir": str(pbx.workdir),
        "asterisk_conf": str(pbx.asterisk_conf),
        "pid": pbx.pid,
        "boot_seconds": round(pbx.boot_seconds or 0, 3),
    }


def _run(args) -> int:
    pbx = _make(args)
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        pbx.start(timeout=args.timeout)
    except DemoPBXError as exc:
        print(f"demopbx: {exc}", file=sys.stderr)
        return 1
    info = _info(pbx)
    if args.json:
        print(json.dumps(info), flush=True)
    else:
        ami = info["ami"]
        names = ", ".join(f"{e} {i['name']}{'' if i['online'] else ' (offline)'}" for e, i in EXTENSIONS.items())
        print(
            f"demo PBX up in {info['boot_seconds']} s (Asterisk pid {info['pid']})\n"
            f"  AMI       host={ami['host']} port={ami['port']} "
            f"username={ami['username']} secret={ami['secret']}\n"
            f"  SIP       {pbx.host}:{pbx.sip_port} (phones = sipp UAS at "
            f"{pbx.host}:{pbx.sipp_port})\n"
            f"  users     {names}\n"
            f"  work dir  {pbx.workdir}\n"
            f"  CLI       asterisk -C {pbx.asterisk_conf} -r\n"
            f"Ctrl-C (or SIGTERM) stops it.",
            flush=True,
        )
    code = 0
    try:
        while stop["signal"] is None:
            if not pbx.is_running:
                print("demopbx: Asterisk exited unexpectedly\n" + pbx.output_tail(), file=sys.stderr)
                code = 1
                break
            time.sleep(0.2)
    finally:
        pbx.stop()
    if stop["signal"] is not None and not args.json:
        print("demo PBX stopped.")
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "write-config":
        pbx = _make(args)
        print(pbx.write_config())
        return 0
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
