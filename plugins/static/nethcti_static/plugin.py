"""``[static]``: public one-shot downloads at ``GET /static/<name>``, the files other plugins ``publish``."""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path

from loguru import logger
from marshmallow import Schema, fields, validate
from quart import Blueprint, Response, current_app

from nethcti import hookimpl
from nethcti.errors import NotFound
from nethcti.web import public
from nethcti_static.service import StaticFiles

blueprint = Blueprint("static", __name__)


class StaticSchema(Schema):
    """``[static]`` (conf.d/15-static.toml)."""

    directory = fields.String(load_default=None, allow_none=True)  # None: <server.state_dir>/static
    ttl = fields.Integer(load_default=300, validate=validate.Range(min=5, max=86_400))  # seconds a file waits


class NoSuchFile(NotFound):
    error_id, message = "no-such-file", "No such file (each file can be downloaded once, for a few minutes)"


@blueprint.get("/static/<path:name>")
@public
async def download(name: str):
    taken = await current_app.extensions["static"].take(name)
    if taken is None:
        raise NoSuchFile()
    size, content = taken
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'  # a checked name: [A-Za-z0-9_.-]
    response.headers["Cache-Control"] = "no-store"
    return response


@hookimpl
def register_config_schema():
    return StaticSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    config = app.plugin_config("static")
    files = StaticFiles(config["directory"] or Path(app.settings.server["state_dir"]) / "static", config["ttl"])
    files.prepare()
    files.sweep()
    app.extensions["static"] = files
    app.spawn(_sweeper(files), "static-sweeper")


async def _sweeper(files: StaticFiles) -> None:
    """Delete unserved files once their time is up (checked every ttl/5, at least once a minute)."""
    while True:
        await asyncio.sleep(min(files.ttl / 5, 60))
        try:
            await asyncio.to_thread(files.sweep)
        except OSError as exc:
            logger.warning("static: cannot clean {}: {}", files.directory, exc)


@hookimpl
def collect_status(app):
    files = app.extensions["static"]
    return {
        "ok": True,
        "directory": str(files.directory),
        "files": files.count(),
        "served": files.served,
        "expired": files.expired,
    }
