"""The live PBX model and the AMI events that change it: channels, bridges, extensions, trunks.

Every handler is a few dict lookups: it updates channels, bridges and the objects they touch, and
marks what may have changed (``dirty_*``). The publisher later compares the cheap signatures of the
marked objects with the last published ones, so nothing is announced twice and no JSON is built here.
Queue, parking and conference events are in ``events_*`` (mixed into Model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nethcti_astproxy.events_conferences import ConferenceEvents
from nethcti_astproxy.events_parkings import ParkingEvents
from nethcti_astproxy.events_queues import QueueEvents
from nethcti_astproxy.notices import Connected, Hangup, Ringing, SettingChanged, cause_name
from nethcti_astproxy.objects import (
    Channel,
    Conference,
    Event,
    Extension,
    Parking,
    Queue,
    Trunk,
    channel_endpoint,
)
from nethcti_astproxy.statics import Statics

# DeviceStateChange State / EndpointList DeviceState -> extension status
DEVICE_STATES = {
    "NOT_INUSE": "online", "Not in use": "online",
    "INUSE": "busy", "In use": "busy", "BUSY": "busy", "Busy": "busy",
    "RINGING": "ringing", "Ringing": "ringing",
    "RINGINUSE": "busy_ringing", "Ring+Inuse": "busy_ringing",
    "ONHOLD": "onhold", "On Hold": "onhold",
    "UNAVAILABLE": "offline", "Unavailable": "offline", "INVALID": "offline", "Invalid": "offline",
    "UNKNOWN": "offline", "Unknown": "offline",
}
# trunks only take these three, as the original's pjsip trunk adapter
TRUNK_STATES = {"online": "online", "offline": "offline", "busy": "busy"}
FORWARDS = {"CF": ("cf", "cf_vm", "cf", "cfVm"), "CFB": ("cfb", "cfb_vm", "cfb", "cfbVm"),
            "CFU": ("cfu", "cfu_vm", "cfu", "cfuVm")}  # family -> (attr, vm attr, setting, vm setting)
VOICEMAIL_PREFIXES = ("vmu", "*")


@dataclass(frozen=True, slots=True)
class Account:
    """What the users plugin says about an extension."""

    name: str
    username: str
    mac: str = ""


def split_forward(value: str) -> tuple[str, str]:
    """An AstDB CF/CFB/CFU value -> (forward number, voicemail box); one of the two is empty."""
    for prefix in VOICEMAIL_PREFIXES:
        if value.startswith(prefix):
            return "", value[len(prefix):]
    return value, ""


def normalize_mac(mac: str | None) -> str:
    return mac.strip().lower().replace(":", "-") if mac else ""


# AMI event -> the Model method that applies it; nothing else is queued for this plugin
EVENT_METHODS = {
    "Newchannel": "on_newchannel", "Newstate": "on_channel_update", "NewCallerid": "on_channel_update",
    "NewConnectedLine": "on_channel_update", "Rename": "on_rename", "DialBegin": "on_dial_begin",
    "DialEnd": "on_dial_end", "BridgeEnter": "on_bridge_enter", "BridgeLeave": "on_bridge_leave",
    "BridgeDestroy": "on_bridge_destroy", "Hangup": "on_hangup", "Hold": "on_hold", "Unhold": "on_unhold",
    "DeviceStateChange": "on_device_state", "ContactStatus": "on_contact_status", "Newexten": "on_newexten",
    "QueueCallerJoin": "on_queue_caller_join", "QueueCallerLeave": "on_queue_caller_leave",
    "QueueMemberAdded": "on_queue_member_added", "QueueMemberRemoved": "on_queue_member_removed",
    "QueueMemberStatus": "on_queue_member_status", "QueueMemberPause": "on_queue_member_pause",
    "QueueMemberPaused": "on_queue_member_pause", "AgentCalled": "on_agent_called",
    "AgentConnect": "on_agent_called", "ParkedCall": "on_parked_call", "ParkedCallSwap": "on_parked_call",
    "UnParkedCall": "on_parked_call_end", "ParkedCallTimeOut": "on_parked_call_end",
    "ParkedCallGiveUp": "on_parked_call_end", "ConfbridgeStart": "on_conference_start",
    "ConfbridgeJoin": "on_conference_join", "ConfbridgeLeave": "on_conference_leave",
    "ConfbridgeEnd": "on_conference_end", "ConfbridgeMute": "on_conference_mute",
    "ConfbridgeUnmute": "on_conference_mute", "Registry": "on_registry",
    "ChanSpyStart": "on_spy_start", "ChanSpyStop": "on_spy_stop",
}


class Model(QueueEvents, ParkingEvents, ConferenceEvents):
    """Registries of the live objects and one method per AMI event that changes them."""

    def __init__(self, statics: Statics, accounts: Mapping[str, Account]):
        self.statics = statics
        self.accounts = dict(accounts)
        self.extensions: dict[str, Extension] = {}
        self.trunks: dict[str, Trunk] = {}
        self.queues: dict[str, Queue] = {}
        self.parkings: dict[str, Parking] = {}
        self.conferences: dict[str, Conference] = {}
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, dict[str, None]] = {}  # bridge id -> channel names, in entering order
        self.recordings: dict[str, str] = {}  # conversation id -> "true" | "mute"
        self.reset_changes()
        self.handlers: dict[str, Callable[[Event], None]] = {
            name: getattr(self, method) for name, method in EVENT_METHODS.items()
        }

    # ------------------------------------------------------------------ change tracking

    def reset_changes(self) -> None:
        self.dirty_extensions: set[str] = set()
        self.dirty_trunks: set[str] = set()
        self.dirty_queues: set[str] = set()
        self.dirty_members: set[tuple[str, str]] = set()
        self.dirty_parkings: set[str] = set()
        self.dirty_conferences: set[str] = set()
        self.ended_conferences: list[str] = []
        self.notices: list[object] = []

    def apply(self, event: Event) -> None:
        """Apply one AMI event (ignored when the model does not use it)."""
        handler = self.handlers.get(event.get("Event", ""))
        if handler is not None:
            handler(event)

    def _affect(self, ch: Channel) -> None:
        """Mark the owners of ``ch`` and of every channel whose conversation may show ``ch``."""
        self._mark(ch)
        if ch.dialer is not None and (other := self.channels.get(ch.dialer)) is not None:
            self._mark(other)
        for name in ch.dialed:
            if (other := self.channels.get(name)) is not None:
                self._mark(other)
        if ch.bridge and not ch.conference:
            members = self.bridges.get(ch.bridge)
            if members and len(members) <= 3:
                for name in members:
                    if (other := self.channels.get(name)) is not None:
                        self._mark(other)

    def _mark(self, ch: Channel) -> None:
        if ch.owner is not None:
            self.dirty_extensions.add(ch.owner)
        elif ch.trunk is not None:
            self.dirty_trunks.add(ch.trunk)

    # ------------------------------------------------------------------ conversations

    def peer(self, ch: Channel) -> Channel | None:
        """The other party of ``ch``: its partner in a two-party bridge, else whom it dials or who dials it."""
        if ch.conference:
            return None
        if ch.bridge:
            members = self.bridges.get(ch.bridge)
            if members is not None and len(members) == 2:
                for name in members:
                    if name != ch.name:
                        return self.channels.get(name)
            if members is not None and len(members) > 2:
                return None
        if ch.dialer is not None:
            return self.channels.get(ch.dialer)
        if ch.dialed:
            return self.channels.get(ch.dialed[-1])
        return None

    def pair(self, ch: Channel) -> tuple[Channel | None, Channel | None]:
        """(source, destination) of the conversation of ``ch``: the older channel is the source."""
        other = self.peer(ch)
        if other is None:
            return ch, None
        return (ch, other) if ch.order <= other.order else (other, ch)

    @staticmethod
    def conversation_id(source: Channel | None, dest: Channel | None) -> str:
        return f"{source.name if source else ''}>{dest.name if dest else ''}"

    def queue_of(self, *channels: Channel | None) -> str:
        """The queue a conversation comes through: the ``;1`` half of a ``Local/…@from-queue…;2`` agent leg."""
        for ch in channels:
            if ch is not None and ch.local and ch.name.endswith(";2") and "@from-queue" in ch.name:
                half = self.channels.get(ch.name[:-1] + "1")
                if half is not None and half.queue:
                    return half.queue
        return ""

    # ------------------------------------------------------------------ channels

    def _attach(self, ch: Channel) -> None:
        if ch.local:
            return
        endpoint = channel_endpoint(ch.name)
        if (ext := self.extensions.get(endpoint)) is not None:
            ch.owner = endpoint
            ext.channels[ch.name] = ch
        elif (trunk := self.trunks.get(endpoint)) is not None and self.statics.trunk_conversations:
            ch.trunk = endpoint
            trunk.channels[ch.name] = ch

    def add_channel(self, ch: Channel) -> None:
        self.channels[ch.name] = ch
        self._attach(ch)

    @staticmethod
    def update_channel(ch: Channel, event: Event, prefix: str = "") -> None:
        """Update the channel from the channel snapshot an event carries (``Dest``-prefixed or not)."""
        get = event.get
        state = get(prefix + "ChannelState")
        if state:
            ch.state = state
        num = get(prefix + "CallerIDNum")
        if num is not None:
            ch.caller_num = num
            ch.caller_name = get(prefix + "CallerIDName", "")
        num = get(prefix + "ConnectedLineNum")
        if num is not None:
            ch.conn_num = num
            ch.conn_name = get(prefix + "ConnectedLineName", "")
        context = get(prefix + "Context")
        if context:
            ch.context = context
            ch.exten = get(prefix + "Exten", "")
        linkedid = get(prefix + "Linkedid")
        if linkedid:
            ch.linkedid = linkedid

    def _known(self, event: Event, prefix: str = "") -> Channel | None:
        ch = self.channels.get(event.get(prefix + "Channel", ""))
        if ch is not None:
            self.update_channel(ch, event, prefix)
        return ch

    def on_newchannel(self, e: Event) -> None:
        name = e.get("Channel", "")
        if not name:
            return
        ch = self.channels.get(name)
        if ch is None:
            ch = Channel(name, e.get("Uniqueid", ""), e.get("Linkedid", ""))
            self.add_channel(ch)
        self.update_channel(ch, e)
        self._affect(ch)

    def on_channel_update(self, e: Event) -> None:
        ch = self._known(e)
        if ch is not None:
            self._affect(ch)

    def on_rename(self, e: Event) -> None:
        ch = self.channels.pop(e.get("Channel", ""), None)
        new = e.get("Newname", "")
        if ch is None or not new:
            return
        self._affect(ch)
        self._detach(ch)
        old = ch.name
        ch.name, ch.local = new, new.startswith("Local/")
        self.channels[new] = ch
        self._attach(ch)
        for other in self.channels.values():
            if other.dialer == old:
                other.dialer = new
            if old in other.dialed:
                other.dialed = [new if n == old else n for n in other.dialed]
        if ch.bridge and (members := self.bridges.get(ch.bridge)) is not None:
            members.pop(old, None)
            members[new] = None
        if (queue := self.queues.get(ch.waiting_in)) is not None and (caller := queue.waiting.pop(old, None)):
            queue.waiting[new] = caller
            caller.channel = new
            self.dirty_queues.add(queue.queue)
        if (parking := self.parkings.get(ch.parked_in)) is not None and parking.parked is not None:
            parking.parked.channel = new
            self.dirty_parkings.add(parking.parking)
        self._affect(ch)

    def _detach(self, ch: Channel) -> None:
        if ch.owner is not None and (ext := self.extensions.get(ch.owner)) is not None:
            ext.channels.pop(ch.name, None)
        if ch.trunk is not None and (trunk := self.trunks.get(ch.trunk)) is not None:
            trunk.channels.pop(ch.name, None)
        ch.owner = ch.trunk = None

    def on_dial_begin(self, e: Event) -> None:
        dest = self._known(e, "Dest")
        caller = self._known(e)
        if dest is None:
            return
        if caller is not None:
            if dest.dialer is not None and dest.dialer != caller.name:
                self._unlink(self.channels.get(dest.dialer), dest)
            dest.dialer = caller.name
            if dest.name not in caller.dialed:
                caller.dialed.append(dest.name)
            self._affect(caller)
            if dest.owner is not None:
                called = e.get("DestExten", "")
                if called in ("", "s"):
                    called = dest.owner
                self.notices.append(Ringing(dest.owner, caller.caller_num, caller.caller_name, called, dest.name,
                                            dest.uniqueid, caller.caller_num in self.conferences))
        self._affect(dest)

    def on_dial_end(self, e: Event) -> None:
        dest = self._known(e, "Dest")
        caller = self._known(e)
        if dest is not None:
            self._affect(dest)
        if caller is not None:
            self._affect(caller)
            if dest is not None and e.get("DialStatus") != "ANSWER":
                self._unlink(caller, dest)

    def _unlink(self, caller: Channel | None, dest: Channel | None) -> None:
        """Forget that ``caller`` dials ``dest``."""
        if caller is not None and dest is not None:
            self._affect(caller)
            self._affect(dest)
            if dest.name in caller.dialed:
                caller.dialed.remove(dest.name)
            if dest.dialer == caller.name:
                dest.dialer = None

    def on_bridge_enter(self, e: Event) -> None:
        ch = self._known(e)
        bridge = e.get("BridgeUniqueid", "")
        if ch is None or not bridge:
            return
        if ch.bridge and ch.bridge != bridge:
            self._leave_bridge(ch)
        members = self.bridges.setdefault(bridge, {})
        members[ch.name] = None
        ch.bridge = bridge
        # once dialer and dialed share a bridge the bridge says who talks to whom
        for name in [ch.dialer, *ch.dialed]:
            if name is not None and name in members:
                other = self.channels.get(name)
                if other is not None:
                    caller, dest = (other, ch) if ch.dialer == name else (ch, other)
                    self._unlink(caller, dest)
        self._affect(ch)
        if ch.owner is not None and e.get("BridgeType", "basic") == "basic":
            num2 = ch.conn_num
            self.notices.append(Connected(
                ch.owner, num2, "out" if ch.uniqueid == ch.linkedid else "in", ch.uniqueid, ch.linkedid,
                num2 not in self.extensions,
            ))

    def on_bridge_leave(self, e: Event) -> None:
        ch = self._known(e)
        if ch is not None and ch.bridge == e.get("BridgeUniqueid", ch.bridge):
            self._leave_bridge(ch)

    def _leave_bridge(self, ch: Channel) -> None:
        self._affect(ch)
        members = self.bridges.get(ch.bridge)
        if members is not None:
            members.pop(ch.name, None)
            if not members:
                del self.bridges[ch.bridge]
        ch.bridge = ""
        self._affect(ch)
        for name in members or ():
            if (other := self.channels.get(name)) is not None:
                self._affect(other)

    def on_bridge_destroy(self, e: Event) -> None:
        members = self.bridges.pop(e.get("BridgeUniqueid", ""), None)
        for name in members or ():
            if (ch := self.channels.get(name)) is not None:
                self._affect(ch)
                ch.bridge = ""

    def on_hangup(self, e: Event) -> None:
        ch = self.channels.get(e.get("Channel", ""))
        if ch is None:
            return
        self.update_channel(ch, e)
        self._affect(ch)
        if ch.bridge:
            self._leave_bridge(ch)
        if ch.dialer is not None:
            self._unlink(self.channels.get(ch.dialer), ch)
        for name in list(ch.dialed):
            self._unlink(ch, self.channels.get(name))
        ch.dialed.clear()
        if ch.owner is not None:
            self.notices.append(Hangup(ch.owner, cause_name(e.get("Cause", "")), e.get("CallerIDNum", ""),
                                       e.get("ConnectedLineNum", ""), ch.name))
        self._detach(ch)
        del self.channels[ch.name]
        if self.recordings:
            for convid in [c for c in self.recordings if ch.name in c.split(">")]:
                del self.recordings[convid]
        self._left_without_saying(ch)

    def _left_without_saying(self, ch: Channel) -> None:
        """A hung-up channel leaves its queue, parking slot and conference even if no event said so."""
        queue = self.queues.get(ch.waiting_in) if ch.waiting_in else None
        if queue is not None and queue.waiting.pop(ch.name, None) is not None:
            self._renumber(queue)
            self.dirty_queues.add(queue.queue)
        parking = self.parkings.get(ch.parked_in) if ch.parked_in else None
        if parking is not None and parking.parked is not None and parking.parked.channel == ch.name:
            parking.parked = None
            self.dirty_parkings.add(parking.parking)
        conf = self.conferences.get(self.conference_id(ch.conference)) if ch.conference else None
        for exten, user in list(conf.users.items()) if conf is not None else ():
            if user.channel == ch.name:
                del conf.users[exten]
                self.dirty_conferences.add(conf.id)

    def on_spy_start(self, e: Event) -> None:
        spyer = self._known(e, "Spyer")
        if spyer is not None:
            spyer.spying = e.get("SpyeeChannel", "")
            self._affect(spyer)

    def on_spy_stop(self, e: Event) -> None:
        spyer = self._known(e, "Spyer")
        if spyer is not None:
            spyer.spying = ""
            self._affect(spyer)

    # ------------------------------------------------------------------ extension state

    def on_hold(self, e: Event) -> None:
        self._set_hold(e, "onhold")

    def on_unhold(self, e: Event) -> None:
        self._set_hold(e, "busy")

    def _set_hold(self, e: Event, status: str) -> None:
        ch = self._known(e)
        if ch is not None and ch.owner is not None:
            self.extensions[ch.owner].status = status
            self._affect(ch)

    def on_device_state(self, e: Event) -> None:
        device = e.get("Device", "")
        tech, _, endpoint = device.partition("/")
        if tech.upper() != "PJSIP" or not endpoint:
            if device.startswith("Custom:DND"):  # FreePBX keeps this device state with AstDB DND/<ext>
                state = e.get("State")
                if state in ("BUSY", "NOT_INUSE"):
                    self.db_value(f"DND/{device[10:]}", "YES" if state == "BUSY" else None, announce=False)
            return
        status = DEVICE_STATES.get(e.get("State", ""))
        if status is None:
            return
        if (ext := self.extensions.get(endpoint)) is not None:
            if ext.status != status:
                ext.status = status
                self.dirty_extensions.add(endpoint)
        elif (trunk := self.trunks.get(endpoint)) is not None:
            status = TRUNK_STATES.get(status)
            if status and trunk.status != status:
                trunk.status = status
                self.dirty_trunks.add(endpoint)

    def on_contact_status(self, e: Event) -> None:
        endpoint = e.get("EndpointName") or e.get("AOR", "")
        target = self.extensions.get(endpoint) or self.trunks.get(endpoint)
        if target is None:
            return
        if e.get("ContactStatus") == "Removed":
            target.ip = target.port = target.useragent = ""
        else:
            ip, port = contact_address(e.get("URI", ""), e.get("ViaAddress", ""))
            if ip:
                target.ip, target.port = ip, port
            if (agent := e.get("UserAgent")) is not None and agent:
                target.useragent = agent
        if isinstance(target, Extension):
            self.dirty_extensions.add(endpoint)
        else:
            self.dirty_trunks.add(endpoint)

    def on_newexten(self, e: Event) -> None:
        """DND and call forwards switched from a phone: the FreePBX dialplan writes AstDB and says so."""
        app = e.get("Application")
        if app == "Set":
            data = e.get("AppData", "")
            if not data.startswith("DB("):
                return
            key, sep, value = data[3:].partition(")=")
            if sep:
                self.db_value(key, value)
        elif app == "NoOp":
            data = e.get("AppData", "")
            if data.startswith("Deleting: "):
                self.db_value(data[10:].partition(" ")[0], None)

    def db_value(self, key: str, value: str | None, announce: bool = True) -> None:
        """An AstDB ``DND/<ext>``, ``CF/<ext>``, ``CFB/<ext>`` or ``CFU/<ext>`` value (None: deleted).

        ``announce``: report it as switched from a phone (SettingChanged); off for values read back.
        """
        family, _, exten = key.partition("/")
        ext = self.extensions.get(exten)
        if ext is None:
            return
        changes = []
        if family == "DND":
            enabled = value is not None
            if ext.dnd != enabled:
                ext.dnd = enabled
                changes.append(SettingChanged(exten, "dnd", enabled, ""))
        elif family in FORWARDS:
            attr, vm_attr, setting, vm_setting = FORWARDS[family]
            number, box = split_forward(value or "")
            if getattr(ext, attr) != number:
                setattr(ext, attr, number)
                changes.append(SettingChanged(exten, setting, bool(number), number))
            if getattr(ext, vm_attr) != box:
                setattr(ext, vm_attr, box)
                changes.append(SettingChanged(exten, vm_setting, bool(box), box))
        if changes:
            self.dirty_extensions.add(exten)
            if announce:
                self.notices.extend(changes)

    # ------------------------------------------------------------------ trunks

    def on_registry(self, e: Event) -> None:
        """Outbound registration of a PJSIP trunk (the event names the endpoint in Domain or Username)."""
        status = REGISTRATIONS.get(e.get("Status", "").lower())
        if status is None:
            return
        names = (e.get("Username", ""), e.get("Domain", ""))
        for trunk in self.trunks.values():
            named = trunk.exten in names or names[1].endswith(f"/{trunk.exten}")
            if named and trunk.registration != status:
                trunk.registration = status
                self.dirty_trunks.add(trunk.exten)

    # ------------------------------------------------------------------ recordings

    def set_recording(self, convid: str, state: str) -> None:
        """``state``: "true", "mute" or "false"; marks every extension and trunk in that conversation."""
        if state == "false":
            self.recordings.pop(convid, None)
        else:
            self.recordings[convid] = state
        for name in convid.split(">"):
            if (ch := self.channels.get(name)) is not None:
                self._affect(ch)


REGISTRATIONS = {
    "registered": "registered", "request sent": "sent", "auth. sent": "sent", "rejected": "rejected",
    "failed": "failed", "unregistered": "unregistered", "no authentication": "noauth",
}


def contact_address(uri: str, via: str = "") -> tuple[str, str]:
    """(ip, port) of a PJSIP contact: ``sip:201@10.0.0.5:5060;transport=udp`` -> ("10.0.0.5", "5060")."""
    address = via or uri
    address = address.partition(";")[0]
    if "@" in address:
        address = address.rpartition("@")[2]
    elif ":" in address and address.split(":", 1)[0] in ("sip", "sips"):
        address = address.split(":", 1)[1]
    if address.startswith("["):  # [v6]:port
        host, _, rest = address[1:].partition("]")
        return host, rest.lstrip(":")
    host, _, port = address.partition(":")
    return host, port
