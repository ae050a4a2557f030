"""Load the whole PBX state with list actions (at every AMI link-up) and build a Model from it.

``fetch_snapshot`` talks to Asterisk: one PJSIPShowEndpoints, one PJSIPShowEndpoint per extension and
trunk (a bounded number at a time), four DBGetTree, one each of CoreShowChannels, QueueStatus,
Parkinglots, ParkedCalls, PJSIPShowRegistrationsOutbound, ConfbridgeListRooms (+ ConfbridgeList per
room). ``build_model`` is pure: the tests feed it recorded answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from loguru import logger
from nethcti_ami.errors import AMIActionError

from nethcti_astproxy.events_parkings import park
from nethcti_astproxy.events_queues import member_of
from nethcti_astproxy.model import (
    DEVICE_STATES,
    REGISTRATIONS,
    TRUNK_STATES,
    Account,
    Model,
    contact_address,
)
from nethcti_astproxy.objects import (
    Channel,
    Conference,
    ConferenceUser,
    Extension,
    Parking,
    Queue,
    QueueMember,
    Trunk,
    WaitingCaller,
)
from nethcti_astproxy.statics import Statics

Rows = list[Mapping[str, Any]]
DB_FAMILIES = ("DND", "CF", "CFB", "CFU")
MAX_PARKING_SLOTS = 1000  # per lot: a misread range must not allocate millions of slots


class Snapshot(dict):
    """Answers of the list actions, keyed ``"<Action>"`` or ``"<Action> <argument>"``; missing = failed."""

    def rows(self, key: str) -> Rows:
        return self.get(key) or []


def action_key(fields: Mapping[str, str]) -> str:
    args = [value for name, value in fields.items() if name != "Action"]
    return " ".join([fields["Action"], *args])


async def fetch_snapshot(ami, accounts: Mapping[str, Account], statics: Statics, concurrency: int = 8) -> Snapshot:
    """Ask Asterisk for everything the model holds; a refused action leaves its key out (logged)."""
    snapshot = Snapshot()
    limit = asyncio.Semaphore(concurrency)

    async def ask(fields: dict[str, str], required: bool = False) -> None:
        async with limit:
            try:
                snapshot[action_key(fields)] = await ami.send_list_action(fields)
            except Exception as exc:
                if required:
                    raise
                logger.debug("astproxy: {} failed: {}", action_key(fields), exc)

    await ask({"Action": "PJSIPShowEndpoints"}, required=True)
    names = [row.get("ObjectName", "") for row in snapshot.rows("PJSIPShowEndpoints")]
    wanted = [name for name in names if name in accounts or name in statics.trunks]
    await asyncio.gather(
        *(ask({"Action": "PJSIPShowEndpoint", "Endpoint": name}) for name in wanted),
        *(ask({"Action": "DBGetTree", "Family": family}) for family in DB_FAMILIES),
        ask({"Action": "CoreShowChannels"}, required=True),
        ask({"Action": "QueueStatus"}),
        ask({"Action": "Parkinglots"}),
        ask({"Action": "ParkedCalls"}),
        ask({"Action": "ConfbridgeListRooms"}),
        ask({"Action": "PJSIPShowRegistrationsOutbound"}),
    )
    missing = [family for family in DB_FAMILIES if f"DBGetTree {family}" not in snapshot]
    if missing:  # an Asterisk without DBGetTree: one DBGet per extension and family
        await asyncio.gather(*(_db_get(ami, snapshot, family, exten, limit) for family in missing for exten in wanted))
    rooms = [row.get("Conference", "") for row in snapshot.rows("ConfbridgeListRooms")]
    await asyncio.gather(*(ask({"Action": "ConfbridgeList", "Conference": room}) for room in rooms if room))
    return snapshot


async def _db_get(ami, snapshot: Snapshot, family: str, exten: str, limit: asyncio.Semaphore) -> None:
    async with limit:
        try:
            rows = await ami.send_list_action({"Action": "DBGet", "Family": family, "Key": exten})
        except AMIActionError:
            return  # "Database entry not found"; a lost link or a timeout fails the whole load
    for row in rows:
        if row.get("Event") == "DBGetResponse":
            snapshot.setdefault(f"DBGetTree {family}", []).append(
                {"Event": "DBGetTreeResponse", "Key": f"/{family}/{exten}", "Val": row.get("Val", "")})


def build_model(snapshot: Snapshot, statics: Statics, accounts: Mapping[str, Account]) -> Model:
    model = Model(statics, accounts)
    endpoints = {row.get("ObjectName", ""): row for row in snapshot.rows("PJSIPShowEndpoints")}
    for name, row in endpoints.items():
        if name in accounts:
            account = accounts[name]
            ext = model.extensions[name] = Extension(name, account.name, account.username, account.mac)
            ext.status = DEVICE_STATES.get(row.get("DeviceState", ""), "offline")
            _endpoint_details(ext, row, snapshot.rows(f"PJSIPShowEndpoint {name}"))
        elif (info := statics.trunks.get(name)) is not None:
            trunk = model.trunks[name] = Trunk(name, info.name, info.tech, info.maxchans)
            status = TRUNK_STATES.get(DEVICE_STATES.get(row.get("DeviceState", ""), ""))
            if status:
                trunk.status = status
            _endpoint_details(trunk, row, snapshot.rows(f"PJSIPShowEndpoint {name}"))
    for row in snapshot.rows("PJSIPShowRegistrationsOutbound"):
        trunk = model.trunks.get(row.get("Endpoint", ""))
        status = row.get("Status", "").lower()
        if trunk is not None and row.get("Event") == "OutboundRegistrationDetail":
            trunk.registration = REGISTRATIONS.get(status, trunk.registration)
    for family in ("DND", "CF", "CFB", "CFU"):
        for row in snapshot.rows(f"DBGetTree {family}"):
            _, fam, exten = [*row.get("Key", "").split("/"), "", ""][:3]
            if fam == family and exten in model.extensions:
                model.db_value(f"{family}/{exten}", row.get("Val", ""))
    _channels(model, snapshot.rows("CoreShowChannels"))
    _queues(model, snapshot.rows("QueueStatus"), statics)
    _parkings(model, snapshot.rows("Parkinglots"), snapshot.rows("ParkedCalls"))
    for room_row in snapshot.rows("ConfbridgeListRooms"):
        room = room_row.get("Conference", "")
        conf_id = model.conference_id(room)
        conf = model.conferences[conf_id] = Conference(conf_id, room)
        for row in snapshot.rows(f"ConfbridgeList {room}"):
            exten = row.get("CallerIDNum", "")
            account = accounts.get(exten)
            conf.users[exten] = ConferenceUser(exten, account.name if account else "", row.get("Channel", ""),
                                               row.get("Muted", "No") != "No", row.get("Admin") == "Yes")
            if (ch := model.channels.get(row.get("Channel", ""))) is not None:
                ch.conference = room
    model.reset_changes()
    return model


def _endpoint_details(target: Extension | Trunk, listed: Mapping[str, Any], details: Rows) -> None:
    contacts = [c for c in listed.get("Contacts", "").split(",") if c]
    if contacts:  # "201/sip:201@127.0.0.1:5060"
        target.ip, target.port = contact_address(contacts[-1].partition("/")[2])
    for row in details:
        kind = row.get("Event")
        if kind == "EndpointDetail":
            if isinstance(target, Extension):
                target.context = row.get("Context", "")
            target.codecs = [c for c in row.get("Allow", "").strip("()").split("|") if c]
        elif kind == "ContactStatusDetail":
            ip, port = contact_address(row.get("URI", ""), row.get("ViaAddress", ""))
            if ip:
                target.ip, target.port = ip, port
            target.useragent = row.get("UserAgent", "") or ""


def _channels(model: Model, rows: Rows) -> None:
    for row in rows:
        ch = Channel(row.get("Channel", ""), row.get("Uniqueid", ""), row.get("Linkedid", ""))
        Model.update_channel(ch, row)
        if ch.local and ch.name.endswith(";1") and row.get("Context") == "from-queue":
            ch.queue = row.get("Exten", "")
        if row.get("Application") == "ChanSpy":
            ch.spying = row.get("ApplicationData", "").partition(",")[0]
        if bridge := row.get("BridgeId", ""):
            ch.bridge = bridge
            model.bridges.setdefault(bridge, {})[ch.name] = None
        model.add_channel(ch)
    # calls still ringing: who dials whom is not listed, so read it from the dialing application
    by_linkedid: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_linkedid.setdefault(row.get("Linkedid", ""), []).append(row)
    for row in rows:
        if row.get("BridgeId") or row.get("Application") not in ("AppDial", "AppQueue"):
            continue
        dest = model.channels[row.get("Channel", "")]
        device = dest.name.rpartition("-")[0]
        for other in by_linkedid.get(dest.linkedid, ()):
            app, data = other.get("Application"), other.get("ApplicationData", "")
            if (row.get("Application") == "AppDial" and app == "Dial" and device and device in data) or (
                    row.get("Application") == "AppQueue" and app == "Queue"):
                caller = model.channels[other.get("Channel", "")]
                dest.dialer = caller.name
                caller.dialed.append(dest.name)
                break


def _queues(model: Model, rows: Rows, statics: Statics) -> None:
    now = time.time()
    for row in rows:
        qid = row.get("Queue", "")
        if statics.queues and qid not in statics.queues:
            continue
        kind = row.get("Event")
        queue = model.queues.get(qid)
        if queue is None:
            info = statics.queues.get(qid)
            queue = model.queues[qid] = Queue(qid, info.name if info else qid)
        if kind == "QueueParams":
            model.apply_queue_params([row])
        elif kind == "QueueMember":
            member = member_of(row.get("Location", "") or row.get("Interface", ""))
            if member not in model.extensions:
                continue
            m = queue.members[member] = QueueMember(qid, member, model.extensions[member].name,
                                                    row.get("Membership", "static"))
            m.paused = row.get("Paused") == "1"
            m.paused_reason = row.get("PausedReason", "") if m.paused else ""
            Model.member_counters(m, row)
        elif kind == "QueueEntry":
            wait = row.get("Wait", "0")
            channel = row.get("Channel", "")
            queue.waiting[channel] = WaitingCaller(qid, channel, row.get("CallerIDNum", ""),
                                                   row.get("CallerIDName", ""), row.get("Position", ""),
                                                   now - (int(wait) if wait.isdigit() else 0))
            if (ch := model.channels.get(channel)) is not None:
                ch.waiting_in = qid
    for qid, info in statics.queues.items():
        queue = model.queues.get(qid)
        if queue is None:
            continue  # configured but not in Asterisk
        for member in info.dynmembers:
            if member in model.extensions and member not in queue.members:
                m = queue.members[member] = QueueMember(qid, member, model.extensions[member].name, "dynamic")
                m.logged_in = False


def _parkings(model: Model, lots: Rows, parked: Rows) -> None:
    for lot in lots:
        start, stop, timeout = lot.get("StartSpace", ""), lot.get("StopSpace", ""), lot.get("Timeout", "")
        if not (start.isdigit() and stop.isdigit()):
            continue
        for slot in range(int(start), min(int(stop), int(start) + MAX_PARKING_SLOTS - 1) + 1):
            model.parkings[str(slot)] = Parking(str(slot), int(timeout) if timeout.isdigit() else 0)
    now = time.time()
    for row in parked:
        parking = model.parkings.get(row.get("ParkingSpace", ""))
        if parking is None:
            continue
        park(model.channels, parking, row, now)
