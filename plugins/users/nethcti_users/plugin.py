"""``[users]``: users, endpoints and profiles on ``app.extensions["users"]``, reloaded on SIGHUP."""

from __future__ import annotations

from loguru import logger

from nethcti import hookimpl
from nethcti.config import read_conf_dir, validate_section
from nethcti.errors import StartupError
from nethcti_users import hookspecs  # noqa: F401  (published to other plugins by the host)
from nethcti_users.loader import LoadError, load_directory
from nethcti_users.schemas import UsersSchema
from nethcti_users.service import Users


@hookimpl
def register_config_schema():
    return UsersSchema


@hookimpl
async def startup(app):
    config = app.plugin_config("users")
    try:
        directory = load_directory(config)
    except LoadError as exc:
        raise StartupError(f"[users] {exc}") from None
    app.extensions["users"] = Users(directory, config["privacy_numbers"])
    logger.info("users: {} users, {} profiles from {}", len(directory.users), len(directory.profiles),
                ", ".join(directory.sources) or "nowhere")


@hookimpl
async def reload(app):
    """Re-read conf.d [users] and the JSON files; on any error keep serving the previous users."""
    try:
        config, _ = validate_section(read_conf_dir(app.settings.conf_dir), "users", UsersSchema)
        directory = load_directory(config)
    except (StartupError, LoadError) as exc:
        logger.error("users: reload failed, keeping the previous users: {}", exc)
        return
    users = app.extensions["users"]
    users.directory, users.privacy_numbers = directory, config["privacy_numbers"]
    logger.info("users: reloaded, {} users, {} profiles", len(directory.users), len(directory.profiles))
    await app.notify("users_reloaded", app=app)


@hookimpl
def collect_status(app):
    directory = app.extensions["users"].directory
    return {
        "ok": True, "users": len(directory.users), "profiles": len(directory.profiles), "sources": directory.sources,
    }
