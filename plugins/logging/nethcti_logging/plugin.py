"""Loguru sinks from ``[logging]``, stdlib loggers routed into loguru, one access line per request."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from loguru import logger
from marshmallow import Schema, fields, validate
from quart import Blueprint, current_app, request

from nethcti import hookimpl
from nethcti.errors import StartupError

LEVELS = ["trace", "debug", "info", "success", "warning", "error", "critical"]
LINE_FORMAT = "{time:YYYY-MM-DDTHH:mm:ss.SSSZZ} - {level}: [{name}] {message}"
# Libraries that log through the standard library; their records go through loguru too.
STDLIB_LOGGERS = ["quart.app", "quart.serving", "uvicorn.error", "panoramisk", "socketio", "engineio", "asyncio"]


class LoggingSchema(Schema):
    file = fields.String(load_default="/var/log/asterisk/nethcti.log")  # "" = no file
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEVELS))
    stderr = fields.Boolean(load_default=True)
    access_log = fields.Boolean(load_default=True)
    # Tracebacks with every frame's local variables: a developer's tool only, since a local may hold a
    # password or a token.
    diagnose = fields.Boolean(load_default=False)


def default_level(environ: Mapping[str, str] = os.environ) -> str:
    """``info`` in development (NETHCTI_ENV or, as the original, NODE_ENV), else ``warning``."""
    development = "development" in (environ.get("NETHCTI_ENV"), environ.get("NODE_ENV"))
    return "info" if development else "warning"


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
            logger.add(sys.stderr, level=self.level, format=LINE_FORMAT, backtrace=False,
                       diagnose=self.config["diagnose"])
        self.open_file()
        logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
        for name in STDLIB_LOGGERS:
            stdlib = logging.getLogger(name)
            stdlib.handlers, stdlib.propagate = [], True

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
def collect_status(app):
    sinks = app.extensions["logging"]
    return {"ok": True, "level": sinks.level.lower(), "file": sinks.config["file"] or None}
