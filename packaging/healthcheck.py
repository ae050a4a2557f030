#!/usr/bin/env python3
"""nethcti-healthcheck: exit 0 when the local nethcti answers GET /status with "ok", else 1 (the container's
HEALTHCHECK; installed as /opt/nethcti/bin/nethcti-healthcheck). Reads host and port from conf.d."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

from nethcti.config import ServerSchema, conf_dir_from, read_conf_dir, validate_section
from nethcti.errors import StartupError

TIMEOUT = 5  # seconds: /status does no I/O, so a slower answer is itself a sign of trouble
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def status_url(conf_dir: str | None = None) -> str:
    server, _ = validate_section(read_conf_dir(conf_dir_from(conf_dir)), "server", ServerSchema)
    host = WILDCARDS.get(server["host"], server["host"])
    return f"http://{f'[{host}]' if ':' in host else host}:{server['port']}/status"


def main(argv: list[str]) -> int:
    try:
        url = status_url(argv[1] if len(argv) > 1 else None)
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = json.load(response).get("status")
    except (StartupError, OSError, ValueError) as exc:  # bad conf.d; refused, timed out, an HTTP error, not JSON
        print(f"unhealthy: {exc}")
        return 1
    print(f"{status}: {url}")
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
