"""Hooks the database plugin publishes: plugins declare their tables here."""

from nethcti.hookspecs import hookspec


@hookspec
def register_database_tables():
    """Sync. Return a SQLAlchemy ``MetaData`` (or a list of them); its tables are created at start-up."""
