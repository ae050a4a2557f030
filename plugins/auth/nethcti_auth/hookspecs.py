"""Hooks the auth plugin publishes: password backends, token revocation."""

from nethcti.hookspecs import hookspec


@hookspec
def register_password_backends():
    """Sync. Return a mapping backend name -> ``factory(app)`` building a PasswordBackend (see backends.py)."""


@hookspec
async def token_revoked(app, login, digest):
    """Async. A token of ``login`` was revoked (logout, removal); ``digest`` = ``tokens.token_digest(token)``."""
