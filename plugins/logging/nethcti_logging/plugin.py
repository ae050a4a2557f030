"""Loguru sinks from ``[logging]``, stdlib loggers routed into loguru, one access line per request."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from loguru import logger
from marshmallow import Schema, fields, validate
from quart import Blueprint, current_app, request

from nethcti import Finding, hookimpl
from nethcti.errors import StartupError

LEVELS = ["trace", "debug", "info", "success", "warning", "error", "critical"]
LINE_FORMAT = "{time:YYYY-MM-DDTHH:mm:ss.SSSZZ} - {level}: [{name}] {message}"
# Under systemd: journald stamps each line itself, and reads the sd-daemon "<N>" prefix as the syslog priority.
JOURNAL_FORMAT = "{level}: [{name}] {message}\n{exception}"
STDERR_FORMATS = ["auto", "journald", "timestamped"]
# Libraries that log through the standard library; their records go through loguru too.
STDLIB_LOGGERS = ["quart.app", "quart.serving", "uvicorn.error", "panoramisk", "socketio", "engineio", "asyncio"]


class LoggingSchema(Schema):
    file = fields.String(load_default="/var/log/asterisk/nethcti.log")  # "" = no file
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEVELS))
    stderr = fields.Boolean(load_default=True)
    # auto: "journald" when stderr is the journal (systemd's JOURNAL_STREAM), else "timestamped"
    stderr_format = fields.String(load_default="auto", validate=validate.OneOf(STDERR_FORMATS))
    access_log = fields.Boolean(load_default=True)
    # Tracebacks with every frame's local variables: a developer's tool only, since a local may hold a
    # password or a token.
    diagnose = fields.Boolean(load_default=False)


def default_level(environ: Mapping[str, str] = os.environ) -> str:
    """``info`` in development (NETHCTI_ENV or, as the original, NODE_ENV), else ``warning``."""
    development = "development" in (environ.get("NETHCTI_ENV"), environ.get("NODE_ENV"))
    return "info" if development else "warning"


def stderr_is_journal(environ: Mapping[str, str] = os.environ, fd: int = 2) -> bool:
    """Whether ``fd`` is the stream systemd connected to the journal: JOURNAL_STREAM names its device and inode,
    so a child that inherited the variable but writes its stderr elsewhere is not mistaken for it."""
    device, _, inode = environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        stat = os.fstat(fd)
        return (stat.st_dev, stat.st_ino) == (int(device), int(inode))
    except (OSError, ValueError):
        return False


def syslog_priority(level_no: int) -> int:
    """loguru's level number -> syslog priority: debug 7, info 6, warning 4, error 3, critical 2."""
    for threshold, priority in ((50, 2), (40, 3), (30, 4), (20, 6)):
        if level_no >= threshold:
            return priority
    return 7


def journal_line(record) -> str:
    """The format of one record for journald: its priority prefix, no timestamp."""
    return f"\\<{syslog_priority(record['level'].no)}>{JOURNAL_FORMAT}"  # a backslash: "<6>" is no loguru color tag


class InterceptHandler(logging.Handler):
    """Hand stdlib log records to loguru, keeping the caller's level and location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).bind(stdlib=record.name).log(level, record.getMessage())


class Sinks:
    """The sinks this plugin owns, so a reload can reopen the file without touching anything else."""

    def __init__(self, config: dict):
        self.config = config
        self.level = (config["level"] or default_level()).upper()
        self.file_sink: int | None = None

    def install(self) -> None:
        logger.remove()
        if self.config["stderr"]:
            journald = self.stderr_format() == "journald"
            logger.add(sys.stderr, level=self.level, format=journal_line if journald else LINE_FORMAT,
                       backtrace=False, diagnose=self.config["diagnose"])
        self.open_file()
        logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
        for name in STDLIB_LOGGERS:
            stdlib = logging.getLogger(name)
            stdlib.handlers, stdlib.propagate = [], True

    def stderr_format(self) -> str:
        chosen = self.config["stderr_format"]
        if chosen == "auto":
            return "journald" if stderr_is_journal() else "timestamped"
        return chosen

    def open_file(self) -> None:
        if self.file_sink is not None:
            logger.remove(self.file_sink)
            self.file_sink = None
        if self.config["file"]:
            try:
                # watch: reopen when logrotate moves the file away
                self.file_sink = logger.add(self.config["file"], level=self.level, format=LINE_FORMAT, watch=True,
                                            diagnose=self.config["diagnose"])
            except OSError as exc:
                raise StartupError(f"[logging] file {self.config['file']}: {exc}") from None


access = Blueprint("logging", __name__)


@access.after_app_request
async def access_line(response):
    if not current_app.extensions["logging"].config["access_log"]:
        return response
    logger.info(
        "{} {} {} - [UA: {}] - {}",
        request.method, request.full_path.rstrip("?"), response.status_code,
        request.headers.get("User-Agent", ""), request.headers.get("X-Forwarded-For", request.remote_addr),
    )
    return response


@hookimpl
def register_config_schema():
    return LoggingSchema


@hookimpl
def configure(app):
    sinks = Sinks(app.plugin_config("logging"))
    sinks.install()
    app.extensions["logging"] = sinks


@hookimpl
def register_routes():
    return access


@hookimpl
async def reload(app):
    app.extensions["logging"].open_file()


@hookimpl
def doctor_checks(settings):
    from nethcti.doctor import writable_dir

    log_file = settings.plugin("logging")["file"]
    if not log_file:
        return []
    path = Path(log_file)
    if path.exists():
        writable = os.access(path, os.W_OK)
        return [Finding(f"file {path} is writable", None if writable else f"{path} is not writable by uid "
                        f"{os.geteuid()}", None if writable else f"chown the user nethcti runs as {path}")]
    return [writable_dir("file: the log directory", path.parent)]


@hookimpl
def collect_status(app):
    sinks = app.extensions["logging"]
    return {"ok": True, "level": sinks.level.lower(), "file": sinks.config["file"] or None}
