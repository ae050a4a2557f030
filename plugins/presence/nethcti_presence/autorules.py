"""The original's automatic rules, run when a user's first desktop client logs in and when the last one leaves.

Each rule is a user setting (``/user/settings``): ``queue_auto_login`` / ``queue_auto_logout`` log the
user's main extension in to / out of the queues it is a dynamic agent of (``queue_agent`` permission);
``auto_dndoff_login`` / ``auto_dndon_logout`` switch DND (``settings.dnd``).
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from nethcti_astproxy.ops import queues
from nethcti_astproxy.ops.common import Context

from nethcti.errors import APIError
from nethcti_presence.service import DND_PERMISSION, Presences


def enabled(settings: dict[str, Any], key: str) -> bool:
    """A setting the clients store as JSON ``true`` (or, older ones, the string ``"true"``)."""
    value = settings.get(key)
    return value is True or value == "true"


async def on_first_login(presences: Presences, user: Any, settings: dict[str, Any]) -> None:
    if not presences.astproxy.ready:
        return  # the PBX state is unknown: nothing can be decided
    if enabled(settings, "queue_auto_login") and user.can(queues.QUEUE_AGENT):
        await log_in_queues(presences, user)
    if enabled(settings, "auto_dndoff_login") and user.can(DND_PERMISSION) \
            and presences.state(user).presence.status == "dnd":
        await presences.set_presence(user, "online")


async def on_last_logout(presences: Presences, user: Any, settings: dict[str, Any]) -> None:
    if not presences.astproxy.ready:
        return
    if enabled(settings, "queue_auto_logout") and user.can(queues.QUEUE_AGENT):
        await log_out_queues(presences, user)
    if enabled(settings, "auto_dndon_logout") and user.can(DND_PERMISSION):
        await presences.set_presence(user, "dnd")


def dynamic_memberships(presences: Presences, exten: str) -> list[Any]:
    """The queue members ``exten`` is as a dynamic agent: logged in now, or listed as one (``dynmembers``)."""
    model = presences.astproxy.current()
    return [m for queue in model.queues.values() if (m := queue.members.get(exten)) is not None
            and m.type != "static"]


async def log_in_queues(presences: Presences, user: Any) -> None:
    """Into every queue the main extension is a logged-out dynamic agent of; one refusal does not stop the rest."""
    exten = user.mainextension
    ctx = Context(presences.astproxy, user)
    for member in dynamic_memberships(presences, exten):
        if not member.logged_in:
            await _each(queues.queuemember_add(ctx, {"endpointId": exten, "queueId": member.queue, "paused": False}),
                        f"log {exten} in to queue {member.queue}")


async def log_out_queues(presences: Presences, user: Any) -> None:
    """Out of every queue the main extension is logged in to as a dynamic agent, unpaused first (as the
    original: an agent paused when leaving would come back paused)."""
    exten = user.mainextension
    ctx = Context(presences.astproxy, user)
    for member in dynamic_memberships(presences, exten):
        if not member.logged_in:
            continue
        params = {"endpointId": exten, "queueId": member.queue}
        if member.paused:
            await _each(queues.queuemember_unpause(ctx, params | {"reason": ""}), f"unpause {exten} in {member.queue}")
        await _each(queues.queuemember_remove(ctx, params), f"log {exten} out of queue {member.queue}")


async def _each(step, what: str) -> None:
    try:
        await step
    except APIError as exc:
        logger.warning("presence: auto rule: {} failed: {}", what, exc)
