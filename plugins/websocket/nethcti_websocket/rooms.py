"""socket.io rooms: which audiences a logged-in socket joins, from its user's profile."""

from __future__ import annotations

from nethcti_users.model import User

# Every logged-in socket is in EVERYONE and in exactly one of the three privacy classes below: an event
# that is masked per recipient (extenUpdate) is serialized once per class, not once per socket.
EVERYONE = "everyone"
CLEAR = "everyone:clear"  # no privacy: clear numbers and names
PRIVACY = "everyone:privacy"  # privacy: everything masked
PRIVACY_QUEUES_CLEAR = "everyone:privacy-queues-clear"  # privacy + queue_agent.ad_queue_agent: queue calls clear

# The original's rooms (nethcti-server com_nethcti_ws), same names.
EXTENSIONS_CLEAR, EXTENSIONS_PRIVACY = "extensions_ast_evt_clear", "extensions_ast_evt_privacy"
QUEUES_CLEAR, QUEUES_PRIVACY = "queues_ast_evt_clear", "queues_ast_evt_privacy"
TRUNKS_CLEAR, TRUNKS_PRIVACY = "trunks_ast_evt_clear", "trunks_ast_evt_privacy"
PARKINGS_CLEAR, PARKINGS_PRIVACY = "parkings_ast_evt_clear", "parkings_ast_evt_privacy"
QMANAGER = "qmanager_evt"

ADMIN_QUEUES_PERMISSION = "queue_agent.ad_queue_agent"


def user_room(username: str) -> str:
    """The room of every socket of one user: ``app.emit(event, data, to=user_room("alice"))``."""
    return f"user:{username.lower()}"


def rooms_for(user: User, privacy: bool) -> set[str]:
    """The rooms a socket of ``user`` joins at login; ``privacy``: the users service's ``privacy_applies(user)``."""
    admin_queues = user.can(ADMIN_QUEUES_PERMISSION)
    rooms = {EVERYONE, user_room(user.username)}
    if not privacy:
        rooms.add(CLEAR)
    elif admin_queues:
        rooms.add(PRIVACY_QUEUES_CLEAR)
    else:
        rooms.add(PRIVACY)
    if user.can("presence_panel"):
        rooms.add(EXTENSIONS_PRIVACY if privacy else EXTENSIONS_CLEAR)
    if user.can("queue_agent") or admin_queues:
        rooms.add(QUEUES_PRIVACY if privacy and not admin_queues else QUEUES_CLEAR)
    if user.can("presence_panel.trunks"):
        rooms.add(TRUNKS_PRIVACY if privacy else TRUNKS_CLEAR)
    if user.can("settings.parkings"):
        rooms.add(PARKINGS_PRIVACY if privacy else PARKINGS_CLEAR)
    if user.can("qmanager"):
        rooms.add(QMANAGER)
    return rooms
