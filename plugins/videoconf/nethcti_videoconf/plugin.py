"""``[videoconf]``: videoconference (Jitsi) room URLs and invitation e-mails: nethcti-server's /videoconf."""

from __future__ import annotations

from loguru import logger

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti_videoconf.routes import blueprint
from nethcti_videoconf.schemas import VideoconfSchema
from nethcti_videoconf.service import Videoconf, VideoconfConfigError

requires = ("auth", "users")


@hookimpl
def register_config_schema():
    return VideoconfSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    try:
        app.extensions["videoconf"] = Videoconf(app.plugin_config("videoconf"))
    except VideoconfConfigError as exc:
        raise StartupError(f"[videoconf] {exc}") from None


@hookimpl
async def reload(app):
    """Re-read [videoconf] and video_conf.json; on error keep the previous settings."""
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "videoconf", VideoconfSchema)
        app.extensions["videoconf"].configure(config)
    except (StartupError, VideoconfConfigError) as exc:
        logger.error("videoconf: reload failed, keeping the previous settings: {}", exc)


@hookimpl
def collect_status(app):
    service = app.extensions.get("videoconf")
    return {"ok": service is not None, "configured": bool(service and service.url)}
