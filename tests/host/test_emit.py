"""The host's socket.io manager: an emit reaches each recipient once, in turn, whatever one recipient does."""

import socketio

from nethcti.websocket import DirectEmitManager


async def server_with(rooms: dict[str, list[str]]):
    """An AsyncServer on DirectEmitManager whose sends are recorded; sockets "a", "b", "c" in ``rooms``."""
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=DirectEmitManager())
    sio.manager.initialize()
    sids = {}
    for eio_sid in ("a", "b", "c"):
        sids[eio_sid] = await sio.manager.connect(eio_sid, "/")
    for room, members in rooms.items():
        for eio_sid in members:
            await sio.manager.enter_room(sids[eio_sid], "/", room)
    sent = []

    async def send(eio_sid, pkt):
        if eio_sid == "b":
            raise RuntimeError("this socket is broken")
        sent.append((eio_sid, pkt.encode()))

    sio._send_eio_packet = send
    return sio, sids, sent


async def test_an_emit_to_rooms_reaches_each_member_once_in_turn():
    sio, _sids, sent = await server_with({"r1": ["a", "c"], "r2": ["c"]})
    await sio.emit("extenUpdate", {"exten": "201"}, to=["r1", "r2"])
    assert sent == [("a", '42["extenUpdate",{"exten":"201"}]'), ("c", '42["extenUpdate",{"exten":"201"}]')]


async def test_skipped_sockets_get_nothing_and_a_failing_one_costs_the_others_nothing():
    sio, sids, sent = await server_with({"all": ["a", "b", "c"]})
    await sio.emit("queueUpdate", ["x", 1], to="all", skip_sid=[sids["a"]])
    assert sent == [("c", '42["queueUpdate",["x",1]]')]


async def test_an_emit_with_an_acknowledgement_is_python_socketios_own():
    sio, sids, _sent = await server_with({})
    upstream = []

    async def send_packet(eio_sid, pkt):  # one packet per recipient, with its own ack id
        upstream.append((eio_sid, pkt.encode()))

    sio._send_packet = send_packet
    await sio.emit("ping", None, to=sids["c"], callback=lambda *args: None)
    assert upstream == [("c", '21["ping"]')]
