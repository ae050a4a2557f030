"""Hooks the astproxy plugin publishes: changes of the live PBX model (see docs/model.md).

All are async and get live model objects: render them at once (``app.extensions["astproxy"].to_json``),
do not keep them. A change is announced only when something a client sees changed.
"""

import pluggy

hookspec = pluggy.HookspecMarker("nethcti")


@hookspec
async def model_reloaded(app):
    """Async. The model was (re)loaded from Asterisk (link-up, reload): every object may have changed."""


@hookspec
async def extension_changed(app, extension):
    """Async. ``extension`` (status, DND/forwards, conversations …) changed: the original's extenUpdate."""


@hookspec
async def extension_ringing(app, ringing):
    """Async. A phone starts ringing; ``ringing`` is a notices.Ringing (extenRinging to its owner)."""


@hookspec
async def conversation_connected(app, connected):
    """Async. An extension's call is answered; ``connected`` is a notices.Connected (extenConvConnected)."""


@hookspec
async def extension_hangup(app, hangup):
    """Async. A channel of an extension hung up; ``hangup`` is a notices.Hangup (extenHangup)."""


@hookspec
async def extension_setting_changed(app, change):
    """Async. DND or a forward was switched from a phone; ``change`` is a notices.SettingChanged."""


@hookspec
async def queue_changed(app, queue):
    """Async. ``queue`` (waiting callers, statistics, members list) changed: queueUpdate."""


@hookspec
async def queue_member_changed(app, member):
    """Async. ``member`` (logged in, paused, calls taken …) changed: queueMemberUpdate."""


@hookspec
async def parking_changed(app, parking):
    """Async. A call was parked in ``parking`` or left it: parkingUpdate."""


@hookspec
async def trunk_changed(app, trunk):
    """Async. ``trunk`` (status, registration, conversations) changed: trunkUpdate."""


@hookspec
async def conference_changed(app, conference):
    """Async. Someone joined, left or was (un)muted in ``conference``: confBridgeUpdate."""


@hookspec
async def conference_ended(app, conference_id):
    """Async. The conference of extension ``conference_id`` ended: confBridgeEnd."""


@hookspec
def default_extension(app, user):
    """Sync. The extension ``user`` calls from when a request names none (None: no opinion; main extension)."""


@hookspec
def recall_on_busy_enabled(app, user):
    """Sync. May ``user`` book a call back from a busy extension? (None: no opinion; every False refuses)."""
