"""Hooks the presence plugin publishes: a user's presence changed (see docs/presence.md).

Called only when a value a client sees changed, once per change (not for each AstDB write);
``to`` is the forward number with ``callforward``, else None.
"""

import pluggy

hookspec = pluggy.HookspecMarker("nethcti")


@hookspec
async def user_presence_changed(app, username, kind, status, to):
    """Async. ``kind`` (presence, presence_onbusy, presence_onunavailable) of ``username`` is now ``status``."""


@hookspec
async def user_main_presence_changed(app, username, status, to):
    """Async. The main presence of ``username`` is now ``status`` (``to``: callforward only)."""
