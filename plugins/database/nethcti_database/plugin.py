"""``[database]``: the async engine on ``app.extensions["database"]``; plugins' tables created at start-up."""

from __future__ import annotations

from loguru import logger
from marshmallow import Schema, fields, validate
from sqlalchemy import MetaData
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from nethcti import Finding, check_database, hookimpl
from nethcti.config import secret_field
from nethcti.errors import StartupError
from nethcti_database import hookspecs  # noqa: F401  (published to other plugins by the host)
from nethcti_database.service import Database, default_url


class DatabaseSchema(Schema):
    # None: sqlite+aiosqlite:///<server.state_dir>/nethcti.db; MySQL/MariaDB: mysql+asyncmy://user:pass@host/db
    url = secret_field(load_default=None, allow_none=True, validate=validate.Length(min=1))
    echo = fields.Boolean(load_default=False)
    pool_recycle = fields.Integer(load_default=3600, validate=validate.Range(min=1))


@hookimpl
def register_config_schema():
    return DatabaseSchema


@hookimpl
async def startup(app):
    config = app.plugin_config("database")
    url = config["url"] or default_url(app.settings.server["state_dir"])
    try:
        db = Database(url, echo=config["echo"], pool_recycle=config["pool_recycle"])
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StartupError(f"[database] url: no driver ({exc}); MySQL needs nethcti-database[mysql]") from None
    except (ArgumentError, OSError) as exc:
        raise StartupError(f"[database] url: {exc}") from None
    app.extensions["database"] = db
    for plugin, declared in app.pm.call_each("register_database_tables"):
        try:
            await db.create_tables(declared)
        except SQLAlchemyError as exc:
            raise StartupError(f"[database] {db.describe()}: tables of plugin {plugin!r}: {exc}") from None
    logger.info("database {}: tables {}", db.describe(), ", ".join(db.tables) or "none")


@hookimpl
async def doctor_checks(settings, pm):
    """The database answers and the enabled plugins' tables have their columns. A missing table is no problem,
    start-up creates it; a missing column is, since start-up does not alter tables."""
    url = settings.plugin("database")["url"] or default_url(settings.server["state_dir"])
    tables = {}
    for _plugin, declared in pm.call_each("register_database_tables"):
        for metadata in [declared] if isinstance(declared, MetaData) else declared:
            tables.update({name: list(table.c.keys()) for name, table in metadata.tables.items()})
    return [_created_at_start_up(finding) for finding in await check_database("url", url, tables)]


def _created_at_start_up(finding: Finding) -> Finding:
    """A missing table, or a missing SQLite file, is created at start-up (not by the doctor, run as root maybe)."""
    if finding.problem and finding.problem.startswith("no table"):
        return Finding(finding.check.replace(" exists", " will be created at start-up"))
    if finding.problem and finding.problem.startswith("the SQLite database"):
        return Finding(finding.check.replace(" answers", " will be created at start-up"))
    return finding


@hookimpl
async def shutdown(app):
    db = app.extensions.pop("database", None)
    if db is not None:
        await db.close()


@hookimpl
def collect_status(app):
    db = app.extensions["database"]
    return {"ok": True, "url": db.describe(), "tables": sorted(db.tables)}
