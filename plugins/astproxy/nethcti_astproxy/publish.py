"""Announce what an event changed: compare cheap signatures of the marked objects, call the hooks.

A signature is a tuple of exactly what the object's JSON shows (minus clocks: durations, waiting
times), so an object is announced only when a client would see a difference.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nethcti_astproxy.model import Model
from nethcti_astproxy.notices import Connected, Hangup, Ringing, SettingChanged
from nethcti_astproxy.objects import Channel, Conference, Extension, Parking, Queue, QueueMember, Trunk

Notify = Callable[..., Awaitable[None]]  # notify(hookname, **kwargs)

NOTICE_HOOKS = {
    Ringing: ("extension_ringing", "ringing"),
    Connected: ("conversation_connected", "connected"),
    Hangup: ("extension_hangup", "hangup"),
    SettingChanged: ("extension_setting_changed", "change"),
}


def _channel(ch: Channel | None) -> tuple | None:
    if ch is None:
        return None
    return ch.name, ch.state, ch.caller_num, ch.caller_name, ch.conn_num, ch.conn_name, ch.conference, ch.spying


def _conversations(model: Model, channels) -> tuple:
    out = []
    for ch in channels:
        source, dest = model.pair(ch)
        convid = model.conversation_id(source, dest)
        out.append((_channel(source), _channel(dest), model.recordings.get(convid), model.queue_of(source, dest)))
    return tuple(out)


def extension_signature(model: Model, ext: Extension) -> tuple:
    return (ext.status, ext.dnd, ext.cf, ext.cfb, ext.cfu, ext.cf_vm, ext.cfb_vm, ext.cfu_vm, ext.ip, ext.port,
            ext.useragent, ext.context, ext.name, ext.username, ext.mac,
            _conversations(model, ext.channels.values()))


def trunk_signature(model: Model, trunk: Trunk) -> tuple:
    return (trunk.status, trunk.registration, trunk.ip, trunk.port, trunk.useragent,
            _conversations(model, trunk.channels.values()))


def queue_signature(queue: Queue) -> tuple:
    return (queue.hold_time, queue.talk_time, queue.completed, queue.abandoned, queue.service_level,
            queue.service_level_perf, tuple(queue.members),
            tuple((c.channel, c.num, c.name, c.position) for c in queue.waiting.values()))


def member_signature(member: QueueMember) -> tuple:
    return (member.type, member.name, member.paused, member.logged_in, member.calls_taken, member.last_call,
            member.paused_reason, member.paused_in, member.paused_out)


def parking_signature(parking: Parking) -> tuple | None:
    parked = parking.parked
    return None if parked is None else (parked.channel, parked.num, parked.name, parked.parker)


def conference_signature(conf: Conference) -> tuple:
    return tuple((exten, user.name, user.muted) for exten, user in conf.users.items())


class Publisher:
    """Calls ``notify`` for what changed; hooks nobody implements cost nothing."""

    def __init__(self, notify: Notify, listening: Callable[[str], bool]):
        self.notify = notify
        self.listening = listening

    def seal(self, model: Model) -> None:
        """Take the signatures of a freshly loaded model, so that only later changes are announced."""
        for ext in model.extensions.values():
            ext.signature = extension_signature(model, ext)
        for trunk in model.trunks.values():
            trunk.signature = trunk_signature(model, trunk)
        for queue in model.queues.values():
            queue.signature = queue_signature(queue)
            for member in queue.members.values():
                member.signature = member_signature(member)
        for parking in model.parkings.values():
            parking.signature = parking_signature(parking)
        for conf in model.conferences.values():
            conf.signature = conference_signature(conf)
        model.reset_changes()

    async def flush(self, model: Model) -> None:
        """Announce the notices and the changed objects the last events left in ``model``."""
        if not (model.notices or model.dirty_extensions or model.dirty_trunks or model.dirty_queues
                or model.dirty_members or model.dirty_parkings or model.dirty_conferences
                or model.ended_conferences):
            return
        notices, extensions, trunks = model.notices, model.dirty_extensions, model.dirty_trunks
        queues, members, parkings = model.dirty_queues, model.dirty_members, model.dirty_parkings
        conferences, ended = model.dirty_conferences, model.ended_conferences
        model.reset_changes()
        listening, notify = self.listening, self.notify

        for notice in notices:
            hook, argument = NOTICE_HOOKS[type(notice)]
            if listening(hook):
                await notify(hook, **{argument: notice})
        if listening("extension_changed"):
            for exten in extensions:
                if (ext := model.extensions.get(exten)) is not None:
                    await self._if_changed("extension_changed", "extension", ext, extension_signature(model, ext))
        if listening("trunk_changed"):
            for name in trunks:
                if (trunk := model.trunks.get(name)) is not None:
                    await self._if_changed("trunk_changed", "trunk", trunk, trunk_signature(model, trunk))
        if listening("queue_member_changed"):
            for qid, member_id in members:
                queue = model.queues.get(qid)
                if queue is not None and (member := queue.members.get(member_id)) is not None:
                    await self._if_changed("queue_member_changed", "member", member, member_signature(member))
        if listening("queue_changed"):
            for qid in queues | {qid for qid, _ in members}:
                if (queue := model.queues.get(qid)) is not None:
                    await self._if_changed("queue_changed", "queue", queue, queue_signature(queue))
        if listening("parking_changed"):
            for slot in parkings:
                if (parking := model.parkings.get(slot)) is not None:
                    await self._if_changed("parking_changed", "parking", parking, parking_signature(parking))
        if listening("conference_changed"):
            for conf_id in conferences:
                if (conf := model.conferences.get(conf_id)) is not None:
                    await self._if_changed("conference_changed", "conference", conf, conference_signature(conf))
        if listening("conference_ended"):
            for conf_id in ended:
                await notify("conference_ended", conference_id=conf_id)

    async def _if_changed(self, hook: str, argument: str, obj, signature) -> None:
        """Announce ``obj`` only when what a client would see of it (its signature) changed."""
        if signature != obj.signature:
            obj.signature = signature
            await self.notify(hook, **{argument: obj})
