"""Hooks the websocket plugin publishes: the trigger points of the auto rules on login / last logout."""

from nethcti.hookspecs import hookspec


@hookspec
async def ws_first_login(app, user):
    """Async. The first desktop socket of ``user`` (a nethcti_users User) logged in, in this process."""


@hookspec
async def ws_last_logout(app, user):
    """Async. The last desktop socket of ``user`` is gone (disconnected, refused or its token revoked)."""
