"""The model as nethcti-server's JSON, optionally masked for privacy; built only when asked.

``Mask`` hides numbers (their tail overwritten) and names (replaced); ``None`` means in clear.
Extensions take two masks as the original: ``out`` for ordinary calls, ``into`` for calls through a
queue (queue supervisors see those in clear).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from nethcti_astproxy.model import Model
from nethcti_astproxy.objects import (
    UP,
    Channel,
    Conference,
    Extension,
    Parking,
    Queue,
    QueueMember,
    Trunk,
    WaitingCaller,
    channel_endpoint,
)


@dataclass(frozen=True)
class Mask:
    number: Callable[[str], str]
    name: Callable[[str], str]

    def num(self, value: str) -> str:
        return self.number(value) if value else value

    def text(self, value: str) -> str:
        return self.name(value) if value else value


def trunk_token(name: str) -> str:
    """The text between ``/`` and the first ``-`` of a channel name, as the original matches trunks."""
    slash = name.find("/")
    dash = name.find("-", slash + 1)
    return name[slash + 1 : dash] if slash >= 0 and dash > slash else ""


class Renderer:
    """JSON of one model; ``now`` (epoch s) fixes durations for one response."""

    def __init__(self, model: Model, now: float | None = None):
        self.model = model
        self.now = time.time() if now is None else now

    # -- channels and conversations

    def channel(self, ch: Channel, kind: str, mask: Mask | None) -> dict:
        peer = self.model.peer(ch)
        num, name = ch.conn_num, ch.conn_name
        if num == "<unknown>" and name.isdigit():
            num = name
        caller_num, caller_name = ch.caller_num, ch.caller_name
        if mask is not None:
            caller_num, caller_name, num, name = mask.num(caller_num), mask.text(caller_name), mask.num(num), mask.text(
                name)
        return {
            "type": kind, "channel": ch.name, "callerNum": caller_num, "startTime": ch.start,
            "callerName": caller_name, "bridgedNum": num, "bridgedName": name, "inConference": bool(ch.conference),
            "channelStatus": ch.status, "bridgedChannel": peer.name if peer is not None else "",
        }

    def conversation(self, owner: str, ch: Channel, out: Mask | None, into: Mask | None) -> tuple[str, dict]:
        """The conversation of extension ``owner`` that its channel ``ch`` is in: (id, JSON)."""
        model = self.model
        source, dest = model.pair(ch)
        convid = model.conversation_id(source, dest)
        through_queue = any(c is not None and "from-queue" in c.name for c in (source, dest))
        mask = into if through_queue else out
        num, name = ch.conn_num, ch.conn_name
        if name.startswith("CID:"):
            name = ""
        if mask is not None:
            num, name = mask.num(num), mask.text(name)
        start = source.start if source is not None else ch.start
        body = {
            "id": convid, "owner": owner,
            "chDest": self.channel(dest, "dest", mask) if dest is not None else None,
            "queueId": model.queue_of(source, dest) or None,
            "linkedId": ch.linkedid, "uniqueId": ch.uniqueid,
            "chSource": self.channel(source, "source", mask) if source is not None else None,
            "duration": max(0, int(self.now - start / 1000)), "startTime": start,
            "connected": bool(ch.conference or ch.spying) or (
                source is not None and dest is not None and source.state == UP and dest.state == UP),
            "recording": model.recordings.get(convid, "false"),
            "direction": "out" if source is not None and channel_endpoint(source.name) == owner else "in",
            "inConference": bool(ch.conference),
            "throughQueue": through_queue,
            "throughTrunk": any(c is not None and trunk_token(c.name) in model.trunks for c in (source, dest)),
            "counterpartNum": num, "counterpartName": name,
        }
        # the original leaves out what it does not know (JavaScript undefined)
        return convid, {key: value for key, value in body.items() if value is not None}

    # -- extensions and trunks

    def extension(self, ext: Extension, out: Mask | None = None, into: Mask | None = None) -> dict:
        conversations = {}
        for ch in ext.channels.values():
            convid, body = self.conversation(ext.exten, ch, out, into)
            conversations[convid] = body
        cf, cfb, cfu = ext.cf, ext.cfb, ext.cfu
        if out is not None:
            cf, cfb, cfu = out.num(cf), out.num(cfb), out.num(cfu)
        return {
            "ip": ext.ip, "cf": cf, "mac": ext.mac, "cfb": cfb, "cfu": cfu, "dnd": ext.dnd, "cfVm": ext.cf_vm,
            "port": ext.port, "name": ext.name, "cfbVm": ext.cfb_vm, "cfuVm": ext.cfu_vm, "exten": ext.exten,
            "codecs": list(ext.codecs), "status": ext.status, "context": ext.context, "chanType": "pjsip",
            "username": ext.username, "sipuseragent": ext.useragent or None, "conversations": conversations,
        }

    def trunk_conversation(self, trunk: Trunk, ch: Channel, mask: Mask | None) -> tuple[str, dict]:
        model = self.model
        source, dest = model.pair(ch)
        convid = model.conversation_id(source, dest)
        internal_num, internal_name = ch.conn_num, ch.conn_name
        if not internal_name and (ext := model.extensions.get(internal_num)) is not None:
            internal_name = ext.name
        external_num, external_name = ch.caller_num, ch.caller_name
        if mask is not None:
            external_num, external_name = mask.num(external_num), mask.text(external_name)
        start = source.start if source is not None else ch.start
        body = {
            "id": convid, "owner": trunk.exten,
            "chDest": self.channel(dest, "dest", mask) if dest is not None else None,
            "chSource": self.channel(source, "source", mask) if source is not None else None,
            "duration": max(0, int(self.now - start / 1000)),
            "recording": model.recordings.get(convid, "false"),
            "direction": "out" if dest is None or dest is ch else "in",
            "internalNum": internal_num, "externalNum": external_num,
            "internalName": internal_name, "externalName": external_name,
            "throughQueue": any(c is not None and "from-queue" in c.name for c in (source, dest)),
        }
        return convid, {key: value for key, value in body.items() if value is not None}

    def trunk(self, trunk: Trunk, mask: Mask | None = None) -> dict:
        conversations = {}
        for ch in trunk.channels.values():
            convid, body = self.trunk_conversation(trunk, ch, mask)
            conversations[convid] = body
        return {
            "ip": trunk.ip, "port": trunk.port, "name": trunk.name, "exten": trunk.exten, "codecs": list(trunk.codecs),
            "status": trunk.status, "registration": trunk.registration, "chanType": trunk.chan_type,
            "maxChannels": trunk.max_channels, "sipuseragent": trunk.useragent or None,
            "conversations": conversations,
        }

    # -- queues, parkings, conferences

    @staticmethod
    def member(member: QueueMember) -> dict:
        return {
            "type": member.type, "name": member.name, "queue": member.queue, "member": member.member,
            "paused": member.paused, "loggedIn": member.logged_in, "callsTakenCount": member.calls_taken,
            "lastCallTimestamp": member.last_call, "lastPausedInReason": member.paused_reason,
            "lastPausedInTimestamp": member.paused_in, "lastPausedOutTimestamp": member.paused_out,
        }

    def waiting_caller(self, caller: WaitingCaller, mask: Mask | None) -> dict:
        waited = max(0, int(self.now - caller.since))
        num, name = caller.num, caller.name
        if mask is not None:
            num, name = mask.num(num), mask.text(name)
        return {"id": caller.channel, "num": num, "name": name, "queue": caller.queue, "waiting": waited,
                "channel": caller.channel, "position": caller.position, "waitingTime": waited}

    def queue(self, queue: Queue, mask: Mask | None = None) -> dict:
        return {
            "name": queue.name, "queue": queue.queue,
            "members": {m: self.member(member) for m, member in queue.members.items()},
            "avgHoldTime": queue.hold_time, "avgTalkTime": queue.talk_time,
            "waitingCallers": {c: self.waiting_caller(caller, mask) for c, caller in queue.waiting.items()},
            "completedCallsCount": queue.completed, "abandonedCallsCount": queue.abandoned,
            "serviceLevelTimePeriod": queue.service_level, "serviceLevelPercentage": queue.service_level_perf,
        }

    def parking(self, parking: Parking, mask: Mask | None = None) -> dict:
        parked = parking.parked
        caller: dict = {}
        if parked is not None:
            parker = self.model.extensions.get(parked.parker)
            num, name = parked.num, parked.name
            if mask is not None:
                num, name = mask.num(num), mask.text(name)
            caller = {
                "num": num, "name": name, "parking": parking.parking, "channel": parked.channel,
                "timeout": max(0, int(parked.deadline - self.now)), "parkeeNum": parked.parker,
                "parkeeName": parker.name if parker is not None else "",
            }
        return {"name": parking.parking, "parking": parking.parking, "timeout": parking.timeout,
                "parkedCaller": caller}

    @staticmethod
    def conference(conf: Conference) -> dict:
        return {"id": conf.id, "users": {
            exten: {"id": f"{conf.id}-{exten}", "name": user.name, "site": "", "owner": exten == conf.id,
                    "muted": user.muted, "prefix": "", "extenId": exten}
            for exten, user in conf.users.items()
        }}
