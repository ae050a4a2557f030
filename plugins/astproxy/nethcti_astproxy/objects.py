"""The live objects of the model: plain mutable records, changed only by the Model, read by renderers."""

from __future__ import annotations

import time
from collections.abc import Mapping

# ChannelState codes -> the original's channel status names
CHANNEL_STATUS = {
    "0": "down", "1": "reserved", "2": "offhook", "3": "dialing", "4": "ring", "5": "ringing", "6": "up",
    "7": "busy", "8": "dialing_offhook", "9": "prering",
}
UP = "6"

Event = Mapping[str, str]  # an AMI event (panoramisk Message or dict): headers as Asterisk names them

EXTENSION_STATUSES = ("online", "busy", "ringing", "busy_ringing", "onhold", "offline", "dnd")
TRUNK_STATUSES = ("online", "offline", "busy", "unmonitored")


def now_ms() -> int:
    return int(time.time() * 1000)


def channel_endpoint(name: str) -> str:
    """``PJSIP/201-0000002a`` -> ``201``; ``Local/201@from-queue-0000;1`` -> ``201@from-queue`` (as the original)."""
    slash = name.find("/")
    dash = name.rfind("-")
    if slash < 0 or dash <= slash:
        return ""
    return name[slash + 1 : dash]


def uniqueid_order(uniqueid: str) -> tuple[int, int, str]:
    """Sort key of a channel's age: Asterisk numbers channels in creation order after the dot."""
    head, _, seq = uniqueid.rpartition(".")
    if head.isdigit() and seq.isdigit():
        return (int(head), int(seq), "")
    return (0, 0, uniqueid)


class Channel:
    """One Asterisk channel, from Newchannel (or CoreShowChannels) to Hangup."""

    __slots__ = (
        "bridge",
        "caller_name",
        "caller_num",
        "conference",
        "conn_name",
        "conn_num",
        "context",
        "dialed",
        "dialer",
        "exten",
        "linkedid",
        "local",
        "name",
        "order",
        "owner",
        "parked_in",
        "queue",
        "spying",
        "start",
        "state",
        "trunk",
        "uniqueid",
        "waiting_in",
    )

    def __init__(self, name: str, uniqueid: str = "", linkedid: str = ""):
        self.name = name
        self.uniqueid = uniqueid
        self.linkedid = linkedid or uniqueid
        self.state = "0"
        self.caller_num = self.caller_name = self.conn_num = self.conn_name = ""
        self.context = self.exten = ""
        self.bridge = ""  # BridgeUniqueid while in a bridge
        self.dialer: str | None = None  # the channel that dialed this one, until both are bridged together
        self.dialed: list[str] = []  # channels this one dials
        self.conference = ""  # ConfBridge room while joined
        self.queue = ""  # queue of a Local/…@from-queue;1 agent channel
        self.spying = ""  # the channel this one listens to (ChanSpy)
        self.waiting_in = ""  # the queue it waits in
        self.parked_in = ""  # the parking slot it is parked in
        self.owner: str | None = None  # extension of a PJSIP/<ext>-… channel
        self.trunk: str | None = None  # trunk of a PJSIP/<trunk>-… channel
        head = uniqueid.partition(".")[0]
        self.start = int(head) * 1000 if head.isdigit() else now_ms()
        self.order = uniqueid_order(uniqueid)
        self.local = name.startswith("Local/")

    @property
    def status(self) -> str:
        return CHANNEL_STATUS.get(self.state, "down")

    def __repr__(self) -> str:
        return f"<Channel {self.name} {self.status}>"


class Extension:
    """A PJSIP endpoint that belongs to a configured user (main or secondary extension)."""

    __slots__ = (
        "cf",
        "cf_vm",
        "cfb",
        "cfb_vm",
        "cfu",
        "cfu_vm",
        "channels",
        "codecs",
        "context",
        "dnd",
        "exten",
        "ip",
        "mac",
        "name",
        "port",
        "signature",
        "status",
        "useragent",
        "username",
    )

    def __init__(self, exten: str, name: str = "", username: str = "", mac: str = ""):
        self.exten, self.name, self.username, self.mac = exten, name, username, mac
        self.ip = self.port = ""
        self.useragent = ""
        self.context = ""
        self.codecs: list[str] = []
        self.status = "offline"
        self.dnd = False
        self.cf = self.cfb = self.cfu = self.cf_vm = self.cfb_vm = self.cfu_vm = ""
        self.channels: dict[str, Channel] = {}  # its own (non-Local) channels, in creation order
        self.signature: tuple | None = None  # of the last published state

    def __repr__(self) -> str:
        return f"<Extension {self.exten} {self.status}>"


class Trunk:
    """A trunk listed in the configuration (ast_objects.json or [astproxy.trunks])."""

    __slots__ = (
        "chan_type",
        "channels",
        "codecs",
        "exten",
        "ip",
        "max_channels",
        "name",
        "port",
        "registration",
        "signature",
        "status",
        "useragent",
    )

    def __init__(self, exten: str, name: str = "", chan_type: str = "pjsip", max_channels: int = 4):
        self.exten, self.name, self.chan_type, self.max_channels = exten, name or exten, chan_type, max_channels
        self.ip = self.port = self.useragent = ""
        self.codecs: list[str] = []
        self.status = "unmonitored"
        self.registration = "unmonitored"
        self.channels: dict[str, Channel] = {}
        self.signature: tuple | None = None

    def __repr__(self) -> str:
        return f"<Trunk {self.exten} {self.status}>"


class QueueMember:
    __slots__ = (
        "calls_taken",
        "last_call",
        "logged_in",
        "member",
        "name",
        "paused",
        "paused_in",
        "paused_out",
        "paused_reason",
        "queue",
        "signature",
        "type",
    )

    def __init__(self, queue: str, member: str, name: str = "", type_: str = "static"):
        self.queue, self.member, self.name, self.type = queue, member, name, type_
        self.paused = False
        self.logged_in = True
        self.calls_taken = 0
        self.last_call = 0  # epoch s
        self.paused_reason = ""
        self.paused_in = self.paused_out = 0  # epoch ms, stamped here when the pause changes
        self.signature: tuple | None = None

    def set_paused(self, paused: bool, reason: str = "") -> None:
        if paused:
            self.paused_in, self.paused_reason = now_ms(), reason
        else:
            self.paused_out = now_ms()
        self.paused = paused

    def __repr__(self) -> str:
        return f"<QueueMember {self.member}@{self.queue}>"


class WaitingCaller:
    __slots__ = ("channel", "name", "num", "position", "queue", "since")

    def __init__(self, queue: str, channel: str, num: str, name: str, position: str, since: float):
        self.queue, self.channel, self.num, self.name = queue, channel, num, name
        self.position, self.since = position, since  # since: epoch s of joining


class Queue:
    __slots__ = (
        "abandoned",
        "completed",
        "hold_time",
        "members",
        "name",
        "queue",
        "service_level",
        "service_level_perf",
        "signature",
        "talk_time",
        "waiting",
    )

    def __init__(self, queue: str, name: str = ""):
        self.queue, self.name = queue, name or queue
        self.hold_time = self.talk_time = self.completed = self.abandoned = self.service_level = "0"
        self.service_level_perf = "0.0"
        self.members: dict[str, QueueMember] = {}
        self.waiting: dict[str, WaitingCaller] = {}  # by channel
        self.signature: tuple | None = None

    def __repr__(self) -> str:
        return f"<Queue {self.queue}>"


class ParkedCall:
    __slots__ = ("channel", "deadline", "name", "num", "parker", "parking")

    def __init__(self, parking: str, channel: str, num: str, name: str, parker: str, deadline: float):
        self.parking, self.channel, self.num, self.name = parking, channel, num, name
        self.parker, self.deadline = parker, deadline  # parker: extension that parked; deadline: epoch s


class Parking:
    __slots__ = ("parked", "parking", "signature", "timeout")

    def __init__(self, parking: str, timeout: int):
        self.parking, self.timeout = parking, timeout
        self.parked: ParkedCall | None = None
        self.signature: tuple | None = None

    def __repr__(self) -> str:
        return f"<Parking {self.parking}>"


class ConferenceUser:
    __slots__ = ("admin", "channel", "exten", "muted", "name")

    def __init__(self, exten: str, name: str, channel: str, muted: bool = False, admin: bool = False):
        self.exten, self.name, self.channel, self.muted, self.admin = exten, name, channel, muted, admin


class Conference:
    """A ConfBridge room ``<confbridge_conf code><owner extension>``; ``id`` is the owner extension."""

    __slots__ = ("id", "room", "signature", "users")

    def __init__(self, id_: str, room: str):
        self.id, self.room = id_, room
        self.users: dict[str, ConferenceUser] = {}  # by extension
        self.signature: tuple | None = None

    def __repr__(self) -> str:
        return f"<Conference {self.id}>"
