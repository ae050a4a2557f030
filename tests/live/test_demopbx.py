"""Live tests of the demo PBX against the real Asterisk (raw AMI / CLI only).

Run: .venv/bin/python -m pytest tests/live/test_demopbx.py -q -p tests.demopbx_fixtures
"""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path

import pytest

from demopbx import DEFAULT_AMI_USERNAME, EXTENSIONS, MODULES_DIR, AMIClient, AMIError, DemoPBX, get

pytestmark = pytest.mark.live

WAIT = 8  # seconds: upper bound for any single wait below


# ---------------------------------------------------------------- helpers
def wait_for(ami: AMIClient, seen: list, pred, timeout: float = WAIT, already: bool = False) -> dict:
    """Read messages (recording them in ``seen``) until ``pred(msg)``.

    ``already``: a message seen earlier may match too (events of different
    channels or objects may arrive in either order).
    """
    if already:
        for msg in seen:
            if pred(msg):
                return msg
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            summary = [(get(m, "Event") or get(m, "Response"), get(m, "Channel")) for m in seen]
            raise AssertionError(f"condition not met in {timeout}s; seen {summary[-40:]}")
        try:
            msg = ami.read(timeout=remaining)
        except AMIError:
            if not ami.connected:
                raise
            continue
        seen.append(msg)
        if pred(msg):
            return msg


def event(name: str, **headers: str):
    def pred(msg: dict) -> bool:
        if get(msg, "Event") != name:
            return False
        for key, value in headers.items():
            have = get(msg, key)
            if value.endswith("*") and have.startswith(value[:-1]):
                continue
            if have != value:
                return False
        return True

    return pred


def originate(ami: AMIClient, channel: str, exten: str, context: str = "from-internal", **extra: str) -> str:
    reply = ami.action(
        "Originate", Channel=channel, Context=context, Exten=exten, Priority="1", Async="true", Timeout="10000", **extra
    )
    assert get(reply, "Response") == "Success", reply
    return get(reply, "ActionID")


def channels_of(seen: list, prefix: str) -> set[str]:
    return {get(m, "Channel") for m in seen if get(m, "Event") == "Newchannel" and get(m, "Channel").startswith(prefix)}


def wait_no_channels(pbx: DemoPBX, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while pbx.channels():
        assert time.monotonic() < deadline, pbx.channels()
        time.sleep(0.05)


def voicemail_installed() -> bool:
    return (Path(MODULES_DIR) / "app_voicemail.so").exists()


# ---------------------------------------------------------------- boot / objects
def test_boots_and_sends_fully_booted(demo_pbx):
    assert demo_pbx.is_running and demo_pbx.sipp_running
    assert demo_pbx.boot_seconds < 5
    with AMIClient(demo_pbx.host, demo_pbx.ami_port, timeout=WAIT) as ami:
        ami.connect()
        assert ami.banner.startswith("Asterisk Call Manager/5.")
        ami.login(DEFAULT_AMI_USERNAME, demo_pbx.ami_secret, events="system")
        booted = ami.wait_event("FullyBooted", timeout=WAIT)
        assert get(booted, "Status") == "Fully Booted"
    assert "Asterisk 16" in demo_pbx.cli("core show version")


def test_wrong_secret_is_refused(demo_pbx):
    with AMIClient(demo_pbx.host, demo_pbx.ami_port, timeout=WAIT) as ami:
        ami.connect()
        with pytest.raises(AMIError, match="login failed"):
            ami.login(DEFAULT_AMI_USERNAME, "wrong")


def _sockets(pid: int, flags: str) -> list[str]:
    out = os.popen(f"ss -Hn{flags}p").read().splitlines()
    return [line for line in out if f"pid={pid}," in line]


def test_services_are_bound_to_loopback(demo_pbx):
    for port in (demo_pbx.ami_port, demo_pbx.sip_port, demo_pbx.sipp_port):
        out = os.popen(f"ss -Hlntu 'sport = :{port}'").read()
        assert out.strip(), f"nothing listens on {port}"
        for line in out.splitlines():
            assert "127.0.0.1:" in line, line
    # every TCP listener of Asterisk (AMI), every socket of sipp
    for line in _sockets(demo_pbx.pid, "lt") + _sockets(demo_pbx.sipp_pid, "lu"):
        assert " 127.0.0.1:" in line, line


def test_endpoints_contacts_and_names(demo_pbx):
    with demo_pbx.ami() as ami:
        _, rows = ami.list_action("PJSIPShowEndpoints", timeout=WAIT)
        states = {get(r, "ObjectName"): get(r, "DeviceState") for r in rows}
        _, detail = ami.list_action("PJSIPShowEndpoint", Endpoint="201", timeout=WAIT)
    for ext in ("201", "202", "203", "91201"):
        assert states[ext] == "Not in use", states
    assert states["204"] == "Unavailable"
    assert "trunk1" in states
    callerid = [get(r, "Callerid") for r in detail if get(r, "Event") == "EndpointDetail"]
    assert callerid == ['"Alice Rossi" <201>']
    contacts = demo_pbx.cli("pjsip show contacts")
    for ext in ("201", "202", "203", "91201"):
        assert re.search(rf"Contact:\s+{ext}/sip:{ext}@127\.0\.0\.1:{demo_pbx.sipp_port}\s.*NonQual", contacts), (
            contacts
        )
    assert "204/" not in contacts
    for ext, info in EXTENSIONS.items():
        out = demo_pbx.cli(f"pjsip show endpoint {ext}")
        assert info["name"] in out


def test_queues_parking_voicemail_config(demo_pbx_clean):
    pbx = demo_pbx_clean
    q401 = pbx.cli("queue show 401")
    assert "ringall" in q401
    assert "Alice Rossi (Local/201@from-queue/n from hint:201@ext-local)" in q401
    assert "Bob Bianchi (Local/202@from-queue/n from hint:202@ext-local)" in q401
    assert "No Members" in pbx.cli("queue show 402")
    with pbx.ami() as ami:
        _, rows = ami.list_action("QueueStatus", Queue="401", timeout=WAIT)
        members = {get(r, "Name"): r for r in rows if get(r, "Event") == "QueueMember"}
        assert set(members) == {"Alice Rossi", "Bob Bianchi"}
        assert get(members["Alice Rossi"], "Membership") == "static"
        assert get(members["Alice Rossi"], "Location") == "Local/201@from-queue/n"
        _, lots = ami.list_action("Parkinglots", timeout=WAIT)
        lot = [r for r in lots if get(r, "Event") == "Parkinglot"]
        assert [(get(r, "Name"), get(r, "StartSpace"), get(r, "StopSpace"), get(r, "Timeout")) for r in lot] == [
            ("default", "701", "720", "300")
        ]
    assert pbx.db_get("QPENALTY/402/agents", "203") == "0"
    if voicemail_installed():
        out = pbx.cli("voicemail show users for default")
        for ext in ("201", "202", "203"):
            assert re.search(rf"default\s+{ext}\s", out)


def test_astdb_helpers(demo_pbx_clean):
    pbx = demo_pbx_clean
    assert pbx.db_get("DND", "202") is None
    pbx.db_put("DND", "202", "YES")
    assert pbx.db_get("DND", "202") == "YES"
    pbx.db_put("CF test", "a key", 'to "vmu202" now')
    assert pbx.db_get("CF test", "a key") == 'to "vmu202" now'
    assert pbx.db_del("CF test", "a key") is True
    assert pbx.db_del("CF test", "a key") is False
    with pbx.ami() as ami:  # the same AstDB through AMI
        reply = ami.action("DBGet", Family="DND", Key="202")
        assert get(reply, "Response") == "Success"
        assert get(ami.wait_event("DBGetResponse", timeout=WAIT), "Val") == "YES"
    pbx.reset()
    assert pbx.db_get("DND", "202") is None


# ---------------------------------------------------------------- calls
def test_originate_is_answered_and_bridged(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        action_id = originate(ami, "PJSIP/201", "202", CallerID="201")
        resp = wait_for(ami, seen, event("OriginateResponse", ActionID=action_id))
        assert get(resp, "Response") == "Success"
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/202-*"))
        enters = [m for m in seen if get(m, "Event") == "BridgeEnter"]
        if len(enters) < 2:
            enters.append(wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/201-*")))
        assert len({get(m, "BridgeUniqueid") for m in enters}) == 1
        assert sorted(c.split("-")[0] for c in pbx.channels()) == ["PJSIP/201", "PJSIP/202"]
        assert "1 active call" in pbx.cli("core show channels")

        reply = ami.action("Hangup", Channel="/^PJSIP/201-.*$/")
        assert get(reply, "Response") == "Success", reply
        wait_for(ami, seen, event("Hangup", Channel="PJSIP/202-*"))
    wait_no_channels(pbx)


def test_dnd_makes_the_extension_busy(demo_pbx_clean):
    pbx = demo_pbx_clean
    pbx.db_put("DND", "201", "YES")
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/202", "201", CallerID="202")
        hangup = wait_for(ami, seen, event("Hangup", Channel="PJSIP/202-*"))
        assert get(hangup, "Cause") == "17"  # user busy
        assert not channels_of(seen, "PJSIP/201-")
        assert not [
            m for m in seen if get(m, "Event") == "DialBegin" and get(m, "DestChannel").startswith("PJSIP/201-")
        ]
    wait_no_channels(pbx)


def test_call_forward_unconditional(demo_pbx_clean):
    pbx = demo_pbx_clean
    pbx.db_put("CF", "202", "203")
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/203-*"))
        assert not channels_of(seen, "PJSIP/202-")
        assert "PJSIP/201" in {c.split("-")[0] for c in pbx.channels()}
    pbx.hangup_all()


def test_unavailable_extension_and_cfu(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "204", CallerID="201")
        hangup = wait_for(ami, seen, event("Hangup", Channel="PJSIP/201-*"))
        assert get(hangup, "Cause") == "20"  # subscriber absent
        originate(ami, "PJSIP/201", "299", CallerID="201")
        hangup = wait_for(ami, seen, event("Hangup", Channel="PJSIP/201-*"))
        assert get(hangup, "Cause") == "1"  # unallocated number
        pbx.db_put("CFU", "204", "203")
        originate(ami, "PJSIP/201", "204", CallerID="201")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/203-*"))
    pbx.hangup_all()


@pytest.mark.skipif(not voicemail_installed(), reason="app_voicemail.so not installed")
def test_call_forward_to_voicemail(demo_pbx_clean):
    pbx = demo_pbx_clean
    pbx.db_put("CF", "202", "vmu202")
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        wait_for(ami, seen, event("Newexten", Application="VoiceMail", AppData="202@default,u"))
        assert not channels_of(seen, "PJSIP/202-")
    pbx.hangup_all()


def test_dnd_and_cf_feature_codes_write_astdb(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "*78", CallerID="201")
        wait_for(ami, seen, event("Newexten", AppData="DB(DND/201)=YES"))
        wait_for(ami, seen, event("Hangup", Channel="PJSIP/201-*"))
        assert pbx.db_get("DND", "201") == "YES"
        originate(ami, "PJSIP/201", "*79", CallerID="201")
        wait_for(ami, seen, event("Newexten", AppData="Deleting: DND/201*"))
        wait_for(ami, seen, event("Hangup", Channel="PJSIP/201-*"))
        assert pbx.db_get("DND", "201") is None
        originate(ami, "PJSIP/202", "*72203", CallerID="202")
        wait_for(ami, seen, event("Newexten", AppData="DB(CF/202)=203"))
        wait_for(ami, seen, event("Hangup", Channel="PJSIP/202-*"))
        assert pbx.db_get("CF", "202") == "203"


def test_queue_call_reaches_an_agent(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/203", "401", CallerID="203")
        join = wait_for(ami, seen, event("QueueCallerJoin", Queue="401"))
        assert get(join, "Channel").startswith("PJSIP/203-")
        agent = wait_for(ami, seen, event("AgentConnect", Queue="401"))
        assert get(agent, "Interface") in ("Local/201@from-queue/n", "Local/202@from-queue/n")
        assert get(agent, "MemberName") in ("Alice Rossi", "Bob Bianchi")
    pbx.hangup_all()


def test_dynamic_queue_member(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        reply = ami.action(
            "QueueAdd",
            Queue="402",
            Interface="Local/203@from-queue/n",
            MemberName="Carol Verdi",
            StateInterface="hint:203@ext-local",
        )
        assert get(reply, "Response") == "Success", reply
        added = wait_for(ami, seen, event("QueueMemberAdded", Queue="402"))
        assert get(added, "Membership") == "dynamic"
        assert get(added, "MemberName") == "Carol Verdi"
        assert get(added, "Status") == "1"  # not in use (from the hint)
    assert "Carol Verdi (Local/203@from-queue/n" in pbx.cli("queue show 402")
    pbx.reset()
    assert "No Members" in pbx.cli("queue show 402")


def test_park_and_pick_up(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/202-*"))
        chans = {c.split("-")[0]: c for c in pbx.channels()}
        reply = ami.action("Park", Channel=chans["PJSIP/202"], TimeoutChannel=chans["PJSIP/201"])
        assert get(reply, "Response") == "Success", reply
        parked = wait_for(ami, seen, event("ParkedCall"))
        assert get(parked, "ParkingSpace") == "701"
        assert get(parked, "ParkeeChannel") == chans["PJSIP/202"]
        _, rows = ami.list_action("ParkedCalls", timeout=WAIT)
        assert [get(r, "ParkingSpace") for r in rows if get(r, "Event") == "ParkedCall"] == ["701"]
        originate(ami, "PJSIP/203", "701", CallerID="203")
        unparked = wait_for(ami, seen, event("UnParkedCall"))
        assert get(unparked, "ParkeeChannel") == chans["PJSIP/202"]
        assert get(unparked, "RetrieverChannel").startswith("PJSIP/203-")
    pbx.hangup_all()


def test_conference_room(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "8201", CallerID="201")
        owner = wait_for(ami, seen, event("ConfbridgeJoin", Conference="8201"))
        assert get(owner, "Admin") == "Yes"
        originate(ami, "PJSIP/202", "8201", CallerID="202")
        guest = wait_for(ami, seen, event("ConfbridgeJoin", Conference="8201", Channel="PJSIP/202-*"))
        assert get(guest, "Admin") == "No"
        _, rows = ami.list_action("ConfbridgeList", Conference="8201", timeout=WAIT)
        assert sorted(get(r, "CallerIDNum") for r in rows if get(r, "Event") == "ConfbridgeList") == ["201", "202"]
    pbx.hangup_all()


def test_echo_trunk_and_inbound_call(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "*43", CallerID="201")
        wait_for(ami, seen, event("Newexten", Application="Echo"))
        pbx.hangup_all()
        # outbound through trunk1 (sipp answers)
        originate(ami, "PJSIP/202", "0612345678", CallerID="202")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/trunk1-*"))
        pbx.hangup_all()
        # simulated inbound call from the trunk to 203
        originate(ami, "Local/203@from-trunk", "answer", context="app-blackhole", CallerID='"Mario Bros" <0612345678>')
        callin = wait_for(ami, seen, event("UserEvent", UserEvent="CallIn"))
        assert get(callin, "Value") == "203"
        assert get(callin, "CallerIDNum") == "0612345678"
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/203-*"))
    pbx.hangup_all()


def test_click_to_call_through_a_local_channel(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        action_id = originate(ami, "Local/201@from-internal", "202", CallerID="201")
        resp = wait_for(ami, seen, event("OriginateResponse", ActionID=action_id))
        assert get(resp, "Response") == "Success"
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/202-*"))
        assert channels_of(seen, "PJSIP/201-")
    pbx.hangup_all()


def test_ringing_phone_and_directed_pickup(demo_pbx_clean):
    pbx = demo_pbx_clean
    pbx.set_phone("202", "ring")
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        ringing = wait_for(ami, seen, event("Newstate", Channel="PJSIP/202-*", ChannelStateDesc="Ringing"))
        wait_for(ami, seen, event("ExtensionStatus", Exten="202", StatusText="Ringing"), already=True)
        time.sleep(0.5)
        assert get(ringing, "Channel") in pbx.channels()  # still ringing, not answered
        originate(ami, "PJSIP/203", "**202", CallerID="203")
        pickup = wait_for(ami, seen, event("Pickup"))
        assert get(pickup, "TargetChannel") == get(ringing, "Channel")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/201-*"), already=True)
        hangup = wait_for(ami, seen, event("Hangup", Channel=get(ringing, "Channel")), already=True)
        assert get(hangup, "Cause") == "26"  # answered elsewhere
    pbx.hangup_all()


def test_busy_phone_and_cfb(demo_pbx_clean):
    pbx = demo_pbx_clean
    pbx.set_phone("202", "busy")
    pbx.db_put("CFB", "202", "203")
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        end = wait_for(ami, seen, event("DialEnd", DestChannel="PJSIP/202-*"))
        assert get(end, "DialStatus") == "BUSY"
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/203-*"))
    pbx.hangup_all()


def test_attended_transfer(demo_pbx_clean):
    pbx = demo_pbx_clean
    seen: list = []
    with pbx.ami() as ami:
        originate(ami, "PJSIP/201", "202", CallerID="201")
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/202-*"))
        chans = {c.split("-")[0]: c for c in pbx.channels()}
        reply = ami.action("Atxfer", Channel=chans["PJSIP/201"], Exten="203", Context="from-internal")
        assert get(reply, "Response") == "Success", reply
        wait_for(ami, seen, event("BridgeEnter", Channel="PJSIP/203-*"))
        ami.action("Hangup", Channel=chans["PJSIP/201"])  # transferer leaves: transfer done
        done = wait_for(ami, seen, event("AttendedTransfer"))
        assert get(done, "Result") == "Success"
        wait_for(ami, seen, event("Hangup", Channel=chans["PJSIP/201"]), already=True)
        left = {c.split("-")[0] for c in pbx.channels()}
        assert {"PJSIP/202", "PJSIP/203"} <= left and "PJSIP/201" not in left
    pbx.hangup_all()


# ---------------------------------------------------------------- lifecycle
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _procs_in(workdir: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(workdir) in cmdline or cwd.startswith(str(workdir)):
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_kill_then_start_again(fresh_pbx):
    pbx = fresh_pbx
    pbx.db_put("DND", "203", "YES")
    # AstDB commits its sqlite transaction in batches (about once a second):
    # a key written just before a crash is lost, as on a real PBX.
    time.sleep(1.5)
    old_pid, sipp_pid = pbx.pid, pbx.sipp_pid
    ami = pbx.ami(events="system")
    ami.wait_event("FullyBooted", timeout=WAIT)
    try:
        pbx.kill()
        assert not pbx.is_running and not _alive(old_pid)
        assert pbx.sipp_running and pbx.sipp_pid == sipp_pid
        with pytest.raises(AMIError):  # the open session sees the crash
            ami.read(timeout=WAIT)
    finally:
        ami.close()
    with pytest.raises(AMIError):
        AMIClient(pbx.host, pbx.ami_port, timeout=2).connect()

    pbx.start(timeout=15)
    assert pbx.is_running and pbx.pid != old_pid
    with pbx.ami(events="system") as ami:
        ami.wait_event("FullyBooted", timeout=WAIT)
    assert pbx.db_get("DND", "203") == "YES"  # AstDB survived the crash
    assert "Not in use" in pbx.cli("pjsip show endpoint 201")


def test_graceful_restart_and_stop_leave_nothing(fresh_pbx):
    pbx = fresh_pbx
    with pbx.ami(events="system") as ami:
        ami.wait_event("FullyBooted", timeout=WAIT)
        pbx.restart(timeout=15)
        shutdown = ami.wait_event("Shutdown", timeout=WAIT)
        assert get(shutdown, "Shutdown") == "Cleanly"
    with pbx.ami(events="system") as ami:
        ami.wait_event("FullyBooted", timeout=WAIT)
    pids = [pbx.pid, pbx.sipp_pid]
    pbx.stop()
    assert not pbx.is_running and not pbx.sipp_running
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) or _procs_in(pbx.workdir):
        assert time.monotonic() < deadline, _procs_in(pbx.workdir)
        time.sleep(0.05)
    for port in (pbx.ami_port,):
        with pytest.raises(OSError):
            socket.create_connection((pbx.host, port), timeout=1).close()
    pbx.stop()  # idempotent
