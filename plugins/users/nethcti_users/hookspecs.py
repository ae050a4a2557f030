"""Hooks the users plugin publishes."""

from nethcti.hookspecs import hookspec


@hookspec
async def users_reloaded(app):
    """Async. The users or profiles changed (reload); ``app.extensions["users"]`` already has the new ones."""
