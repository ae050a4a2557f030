"""``[streaming]``: video sources (door phones, cameras): frames to subscribed sockets, doors opened by DTMF."""

from __future__ import annotations

from loguru import logger

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti_streaming.routes import blueprint
from nethcti_streaming.schemas import StreamingSchema
from nethcti_streaming.service import SERVER_EVENTS, Streaming
from nethcti_streaming.sources import SourcesError, configured_sources

requires = ("ami", "users", "auth", "astproxy", "websocket")
socketio_events = SERVER_EVENTS  # for /openapi.json (nethcti.ServerEvent)


@hookimpl
def register_config_schema():
    return StreamingSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    config = app.plugin_config("streaming")
    try:
        sources = configured_sources(config)
    except SourcesError as exc:
        raise StartupError(f"[streaming] {exc}") from None
    app.extensions["streaming"] = Streaming(
        sources, image_timeout=config["image_timeout"], max_image_bytes=config["max_image_bytes"],
        ami=app.extensions["ami"], astproxy=app.extensions["astproxy"], websocket=app.extensions["websocket"],
        emit=app.emit, spawn=app.spawn)
    logger.info("streaming: {} source(s)", len(sources))


@hookimpl
async def shutdown(app):
    if (service := app.extensions.pop("streaming", None)) is not None:
        await service.close()


@hookimpl
async def reload(app):
    """Re-read [streaming] sources and streaming.json; on error keep the previous sources."""
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "streaming", StreamingSchema)
        sources = configured_sources(config)
    except (StartupError, SourcesError) as exc:
        logger.error("streaming: reload failed, keeping the previous sources: {}", exc)
        return
    app.extensions["streaming"].replace_sources(sources)
    logger.info("streaming: {} source(s) after reload", len(sources))


@hookimpl
def collect_status(app):
    service = app.extensions.get("streaming")
    return service.status() if service is not None else {"ok": False}
