"""Hooks the ami plugin publishes; other plugins implement them (see docs/ami.md)."""

import pluggy

hookspec = pluggy.HookspecMarker("nethcti")


@hookspec
async def ami_connected(app):
    """Async. The AMI link is up (logged in, FullyBooted seen): load state from Asterisk again."""


@hookspec
async def ami_disconnected(app):
    """Async. The AMI link is down; actions fail with 503 ``ami-unavailable`` until ami_connected."""


@hookspec
async def ami_events_dropped(app, count):
    """Async. Called only on the plugin whose AMI event queue overflowed, once caught up: resync."""
