"""What /profiling answers: host names from configuration, process figures, connected clients."""

from __future__ import annotations

import json
import os
import platform
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from loguru import logger

DAY = 86400


class ProfilingConfigError(Exception):
    """nethcti.json cannot be read."""


def host_names(config: Mapping[str, Any]) -> tuple[str, str]:
    """(hostname, publichost): conf.d wins, then NethVoice's nethcti.json, then the machine's FQDN and ""."""
    from_file: dict[str, Any] = {}
    if config["nethcti_json"]:
        path = Path(config["nethcti_json"])
        try:
            from_file = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ProfilingConfigError(f"nethcti_json {path}: {exc}") from None
        if not isinstance(from_file, dict):
            raise ProfilingConfigError(f"nethcti_json {path}: not a JSON object")
    hostname = config["hostname"] or _text(from_file.get("hostname")) or socket.getfqdn()
    publichost = config["publichost"] if config["publichost"] is not None else _text(from_file.get("publichost"))
    return hostname, publichost


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def uptime_text(seconds: float) -> str:
    """The original's (moment.js) form: ``[Y Years ][M Months ]D Days - HH:MM:SS``."""
    total = int(-(-seconds // 1))  # Math.ceil
    days, rest = divmod(total, DAY)
    years, days = divmod(days, 365)
    months, days = divmod(days, 30)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{years} Years " if years else ""
    if years or months:
        text += f"{months} Months "
    return f"{text}{days} Days - {hours:02}:{minutes:02}:{secs:02}"


def process_memory(status_file: Path = Path("/proc/self/status")) -> dict[str, int]:
    """The original's ``proc_mem`` keys, in bytes, from the kernel's figures for this process.

    ``rss``: resident set; ``heapTotal``: data segment (VmData); ``heapUsed``: resident anonymous memory
    (RssAnon); ``external``: resident file mappings (RssFile). Zero where the kernel does not say.
    """
    values: dict[str, int] = {}
    try:
        for line in status_file.read_text().splitlines():
            name, _, value = line.partition(":")
            parts = value.split()
            if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
                values[name] = int(parts[0]) * 1024
    except OSError:
        pass
    return {"rss": values.get("VmRSS", 0), "heapTotal": values.get("VmData", 0),
            "heapUsed": values.get("RssAnon", 0), "external": values.get("RssFile", 0)}


class Profiling:
    """``app.extensions["profiling"]``. The callables read other plugins' figures at request time."""

    def __init__(self, config: Mapping[str, Any], *, versions: Mapping[str, str], users: Callable[[], int],
                 ws_clients: Callable[[], int], queries: Callable[[], int], started: float | None = None):
        self.hostname, self.publichost = host_names(config)
        self.versions = dict(versions)
        self.users, self.ws_clients, self.queries = users, ws_clients, queries
        self.started = started if started is not None else time.monotonic()

    def reconfigure(self, config: Mapping[str, Any]) -> None:
        """New host names (reload); on error the previous ones stay and ProfilingConfigError is raised."""
        self.hostname, self.publichost = host_names(config)
        logger.info("profiling: hostname {!r}, publichost {!r}", self.hostname, self.publichost)

    def proc_mem(self) -> dict[str, int]:
        return process_memory()

    def db_stats(self) -> dict[str, int]:
        return {"numExecQueries": self.queries()}

    def tot_users(self) -> int:
        return self.users()

    def conn_clients(self) -> dict[str, Any]:
        # no nethifier TCP channel yet: no TCP clients
        return {"ws_conn_clients": self.ws_clients(), "tcp_conn_clients": {"tot": 0}}

    def all(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "uptime": uptime_text(time.monotonic() - self.started),
            "pkg_ver": self.versions,
            "node_ver": f"python-{platform.python_version()}",
            "proc_mem": self.proc_mem(),
            "db_stats": self.db_stats(),
            "tot_users": self.tot_users(),
            "conn_clients": self.conn_clients(),
            "hostname": self.hostname,
            "publichost": self.publichost,
            "server_time": int(time.time() * 1000),
        }
