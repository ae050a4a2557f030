"""nethcti plugin: the shared SQLAlchemy async engine other plugins store their tables in."""
