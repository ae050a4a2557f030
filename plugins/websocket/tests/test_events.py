"""PBX and presence events: who receives what, masked for whom, serialized how often.

The model is a stand-in here (the hooks are called as the astproxy and presence plugins call them);
test_live.py drives the same hooks from a real Asterisk.
"""

import asyncio
from types import SimpleNamespace

import pytest
import socketio.packet

from nethcti import hookimpl


class FakeRenderer:
    """Renders objects as dicts that say which masks were applied."""

    @staticmethod
    def extension(ext, out, into):
        return {"exten": ext.exten, "username": ext.username, "out": out, "into": into}

    @staticmethod
    def queue(queue, mask):
        return {"queue": queue.queue, "mask": mask}

    @staticmethod
    def parking(parking, mask):
        return {"parking": parking.parking, "mask": mask}

    @staticmethod
    def trunk(trunk, mask):
        return {"exten": trunk.exten, "mask": mask}


class FakeModel:
    """A throwaway plugin standing for astproxy: its service renders with FakeRenderer, the mask is "MASK"."""

    @hookimpl
    async def startup(self, app):
        app.extensions["astproxy"] = SimpleNamespace(
            renderer=FakeRenderer, mask="MASK",
            to_json=lambda obj: {"member": obj.member} if hasattr(obj, "member") else {"id": obj.id, "users": {}})


@pytest.fixture
async def server(make_server):
    async with make_server(plugins=[("fakemodel", FakeModel())]) as server:
        server.alice, server.bob, server.carol, server.dave = [
            await server.client(name) for name in ("alice", "bob", "carol", "dave")]
        yield server


async def settle(*clients, event: str):
    """Wait until each of ``clients`` got ``event``, then a moment for anything that should not come."""
    for client in clients:
        await client.wait_for(event)
    await asyncio.sleep(0.2)


def extension(exten, username=""):
    return SimpleNamespace(exten=exten, username=username)


async def test_exten_update_reaches_everyone_masked_per_recipient(server):
    await server.app.notify("extension_changed", app=server.app, extension=extension("204", "dave"))
    await settle(server.alice, server.bob, server.carol, server.dave, event="extenUpdate")
    clear = {"exten": "204", "username": "dave", "out": None, "into": None}
    assert server.alice.received("extenUpdate") == [clear]  # no privacy
    assert server.dave.received("extenUpdate") == [clear]  # the owner
    assert server.bob.received("extenUpdate") == [dict(clear, out="MASK", into="MASK")]  # privacy
    assert server.carol.received("extenUpdate") == [dict(clear, out="MASK")]  # privacy + ad_queue_agent


async def test_the_owner_sees_own_extensions_in_clear_despite_privacy(server):
    await server.app.notify("extension_changed", app=server.app, extension=extension("202", "bob"))
    await settle(server.alice, server.bob, server.carol, server.dave, event="extenUpdate")
    assert server.bob.received("extenUpdate") == [{"exten": "202", "username": "bob", "out": None, "into": None}]
    assert server.carol.received("extenUpdate")[0]["out"] == "MASK"


async def test_serialized_once_per_audience_not_per_socket(server, monkeypatch):
    for name in ("alice", "alice", "bob", "bob", "carol", "dave"):
        await server.client(name, ua_type=None)
    encoded = []
    original = socketio.packet.Packet.encode

    def counting(packet):
        encoded.append(packet.data[0] if packet.data else None)
        return original(packet)

    monkeypatch.setattr(socketio.packet.Packet, "encode", counting)
    await server.app.notify("extension_changed", app=server.app, extension=extension("204", "dave"))
    await settle(server.bob, event="extenUpdate")
    # 10 sockets, three privacy classes: clear (with the owner), masked, masked out of queues
    assert encoded.count("extenUpdate") == 3
    encoded.clear()
    await server.app.notify("user_main_presence_changed", app=server.app, username="dave", status="busy", to=None)
    await settle(server.bob, event="userMainPresenceUpdate")
    assert encoded.count("userMainPresenceUpdate") == 1


async def test_call_moments_go_to_the_owner_of_the_extension(server):
    app = server.app
    ringing = {"numCalled": "201", "callerNum": "202", "callerName": "Bob Bianchi", "callerHasConf": False}
    await app.notify("extension_ringing", app=app, ringing=SimpleNamespace(exten="91201", to_json=lambda: ringing))
    connected = {"num1": "201", "num2": "202", "direction": "in", "uniqueid": "1.2", "linkedid": "1.1",
                 "throughTrunk": False}
    await app.notify("conversation_connected", app=app,
                     connected=SimpleNamespace(num1="201", to_json=lambda: connected))
    hangup = {"cause": "normal_clearing", "callerNum": "202", "channelExten": "201", "calledNum": "201"}
    await app.notify("extension_hangup", app=app, hangup=SimpleNamespace(exten="201", to_json=lambda: hangup))
    await settle(server.alice, event="extenHangup")
    assert [(n, d) for n, d in server.alice.events if n.startswith("exten")] == [
        ("extenRinging", ringing), ("extenConnected", {"extenConnected": "201"}),
        ("extenConvConnected", connected), ("extenHangup", hangup)]
    for other in (server.bob, server.carol, server.dave):
        assert not [n for n, _ in other.events if n.startswith("exten")]


async def test_queues_parkings_trunks_go_to_their_permission_rooms(server):
    app = server.app
    await app.notify("queue_changed", app=app, queue=SimpleNamespace(queue="401"))
    await app.notify("queue_member_changed", app=app, member=SimpleNamespace(member="201"))
    await app.notify("parking_changed", app=app, parking=SimpleNamespace(parking="701"))
    await app.notify("trunk_changed", app=app, trunk=SimpleNamespace(exten="trunk1"))
    await settle(server.alice, event="trunkUpdate")
    alice, bob, carol, dave = server.alice, server.bob, server.carol, server.dave
    assert alice.received("queueUpdate") == [{"queue": "401", "mask": None}]
    assert bob.received("queueUpdate") == [{"queue": "401", "mask": "MASK"}]  # queue_agent with privacy
    assert carol.received("queueUpdate") == [{"queue": "401", "mask": None}]  # ad_queue_agent: clear
    for client in (alice, bob, carol):
        assert client.received("queueMemberUpdate") == [{"member": "201"}]
    assert alice.received("parkingUpdate") == [{"parking": "701", "mask": None}]
    assert bob.received("parkingUpdate") == [{"parking": "701", "mask": "MASK"}]
    assert alice.received("trunkUpdate") == [{"exten": "trunk1", "mask": None}]  # presence_panel.trunks only
    assert [n for n, _ in dave.events] == ["connect", "authe_ok"]
    assert carol.received("parkingUpdate") == carol.received("trunkUpdate") == []


async def test_conferences_go_to_the_owners_of_the_room_and_of_its_members(server):
    app = server.app
    conference = SimpleNamespace(id="201", users={"201": None, "202": None})
    await app.notify("conference_changed", app=app, conference=conference)
    await app.notify("conference_ended", app=app, conference_id="201")
    await settle(server.alice, event="confBridgeEnd")
    assert server.alice.received("confBridgeUpdate") == [{"id": "201", "users": {}}]
    assert server.bob.received("confBridgeUpdate") == [{"id": "201", "users": {}}]
    assert server.alice.received("confBridgeEnd") == [{"id": "201"}]
    assert server.bob.received("confBridgeEnd") == [] and server.carol.received("confBridgeUpdate") == []


async def test_presence_and_reloads_go_to_everyone(server):
    app = server.app
    await app.notify("user_presence_changed", app=app, username="bob", kind="presence", status="callforward",
                     to="3331234567")
    await app.notify("user_presence_changed", app=app, username="bob", kind="presence_onbusy", status="voicemail",
                     to=None)
    await app.notify("user_main_presence_changed", app=app, username="bob", status="dnd", to=None)
    await app.notify("model_reloaded", app=app)
    clients = (server.alice, server.bob, server.carol, server.dave)
    await settle(*clients, event="serverReloaded")
    for client in clients:
        assert client.received("userPresenceUpdate") == [
            {"presence": {"username": "bob", "status": "callforward", "to": "3331234567"}},
            {"presence_onbusy": {"username": "bob", "status": "voicemail"}}]
        assert client.received("userMainPresenceUpdate") == [{"mainPresence": {"username": "bob", "status": "dnd"}}]
        assert client.received("serverReloaded") == [None]
