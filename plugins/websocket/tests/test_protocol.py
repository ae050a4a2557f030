"""The login protocol with python-socketio's AsyncClient against the app on a loopback port."""

import asyncio
import json

from nethcti_websocket import rooms as R
from nethcti_websocket.testing import EventClient

from nethcti import hookimpl
from nethcti.server import reload

UNAUTHORIZED = {"message": "unauthorized access"}
SERVER_DISCONNECT = "server disconnect"  # python-socketio's name; socket.io-client says "io server disconnect"


async def refused(server, payload, *args) -> EventClient:
    """A client that emits ``login`` with ``args`` (or ``payload``) and must get 401 then a server disconnect."""
    client = EventClient(server.url)
    server.clients.append(client)
    await client.connect()
    await client.sio.emit("login", *(args or (payload,)))
    assert await client.wait_for("401") == UNAUTHORIZED
    assert await client.wait_for("disconnect") == SERVER_DISCONNECT
    assert [name for name, _ in client.events] == ["connect", "401", "disconnect"]
    return client


async def test_login_authe_ok_and_ping(server):
    client = await server.client("alice")
    assert client.received("authe_ok") == [{"message": "authorized successfully"}]
    assert await client.ping()
    assert [name for name, _ in client.events] == ["connect", "authe_ok"]


async def test_login_by_extension_as_the_rest_grant(server):
    client = await server.client("91201")
    session = server.ws.sessions.get(client.sio.get_sid())
    assert (session.login, session.username) == ("91201", "alice")
    # the token belongs to the login string it was granted to, as the original
    await refused(server, {"accessKeyId": "alice", "token": await server.login("201")})


async def test_bad_logins_get_401_and_a_disconnect(server):
    token = await server.login("alice")
    await refused(server, None)
    await refused(server, None, "not an object")
    await refused(server, {"accessKeyId": "alice"})
    await refused(server, {"token": token})
    await refused(server, {"accessKeyId": "alice", "token": "0" * 40})
    await refused(server, {"accessKeyId": "nobody", "token": token})
    await refused(server, {"accessKeyId": "alice", "token": token, "uaType": "fridge"})
    assert len(server.ws.sessions) == 0 and not server.ws.sessions.pending


async def test_an_expired_token_is_refused(make_server):
    async with make_server("[auth]\nnonce_timeout = 1\n") as server:
        token = await server.login("alice")
        await asyncio.sleep(1.3)
        await refused(server, {"accessKeyId": "alice", "token": token, "uaType": "desktop"})


async def test_rooms_follow_the_profile(server):
    def rooms(client):
        return set(server.app.sio.rooms(client.sio.get_sid())) - {client.sio.get_sid()}

    alice, bob, carol, dave = [await server.client(name) for name in ("alice", "bob", "carol", "dave")]
    assert rooms(alice) == {R.EVERYONE, "user:alice", R.CLEAR, R.EXTENSIONS_CLEAR, R.QUEUES_CLEAR, R.TRUNKS_CLEAR,
                            R.PARKINGS_CLEAR, R.QMANAGER}
    assert rooms(bob) == {R.EVERYONE, "user:bob", R.PRIVACY, R.EXTENSIONS_PRIVACY, R.QUEUES_PRIVACY,
                          R.PARKINGS_PRIVACY}
    assert rooms(carol) == {R.EVERYONE, "user:carol", R.PRIVACY_QUEUES_CLEAR, R.EXTENSIONS_PRIVACY, R.QUEUES_CLEAR}
    assert rooms(dave) == {R.EVERYONE, "user:dave", R.CLEAR}


async def test_nothing_reaches_a_socket_before_authe_ok(server):
    client = EventClient(server.url)
    server.clients.append(client)
    await client.connect()
    await server.app.emit("serverReloaded", None, to=R.EVERYONE)
    await server.app.extensions["websocket.events"].extension_changed("201", lambda out, in_: {"exten": "201"})
    await client.sio.emit("login", {"accessKeyId": "alice", "token": await server.login("alice")})
    await client.wait_for("authe_ok")
    await server.app.emit("serverReloaded", None, to=R.EVERYONE)
    await client.wait_for("serverReloaded")
    assert [name for name, _ in client.events] == ["connect", "authe_ok", "serverReloaded"]


async def test_message_is_relayed_to_the_sockets_of_dest_user(server):
    alice, bob, bob_mobile, carol = [
        await server.client(name, ua_type=ua) for name, ua in
        [("alice", "desktop"), ("bob", "desktop"), ("bob", "mobile"), ("carol", "desktop")]]
    video = {"message": "videoCallStart", "destUser": "bob", "callUser": "alice"}
    await alice.sio.emit("message", video)
    assert await bob.wait_for("message") == video
    assert await bob_mobile.wait_for("message") == video
    # screen sharing needs settings.screen_sharing: bob has not got it, alice has
    await bob.sio.emit("message", {"message": "screenSharingStart", "roomId": "r1", "destUser": "carol"})
    share = {"message": "screenSharingStart", "roomId": "r2", "destUser": "carol", "callUser": "alice"}
    await alice.sio.emit("message", share)
    assert await carol.wait_for("message") == share
    assert carol.received("message") == [share] and alice.received("message") == []


async def test_take_over_waits_for_the_ack_or_the_timeout(make_server):
    async with make_server("[websocket]\ntakeover_timeout = 30\n") as server:
        first = await server.client("alice", ack_takeover=True)
        mobile = await server.client("alice", ua_type="mobile")  # another uaType: no take-over
        second = await server.client("alice")  # would wait 30 s without the ack
        assert first.received("takeOver") == [None] and mobile.received("takeOver") == []
        assert second.received("authe_ok")
    async with make_server("[websocket]\ntakeover_timeout = 0.5\n") as server:
        first = await server.client("alice")  # phone-island: never acks
        second = await server.client("alice")
        assert first.received("takeOver") == [None] and second.received("authe_ok")
        # the original leaves the old socket connected: its client logs out by itself
        assert len(server.ws.sessions.of_user("alice")) == 2


async def test_logout_disconnects_the_sockets_of_that_token(server):
    token = await server.login("alice")
    revoked = await server.client("alice", token)
    other = await server.client("alice", ua_type="mobile")
    response = await server.http.post("/webrest/authentication/logout", headers={"Authorization": f"alice:{token}"})
    assert response.status_code == 200
    assert await revoked.wait_for("disconnect") == SERVER_DISCONNECT
    assert other.disconnects == [] and await other.ping()


async def test_an_open_socket_keeps_its_token_alive(make_server):
    async with make_server("[auth]\nexpiration_timeout = 2\nnonce_timeout = 2\n[websocket]\nrefresh_interval = 1\n") \
            as server:
        kept, left = await server.login("alice"), await server.login("bob")
        await server.client("alice", kept)
        await asyncio.sleep(3.5)
        check = "/webrest/authentication/phone_island_token_check"
        assert (await server.http.get(check, headers={"Authorization": f"alice:{kept}"})).status_code == 200
        assert (await server.http.get(check, headers={"Authorization": f"bob:{left}"})).status_code == 401


async def test_a_socket_that_never_logs_in_is_dropped(make_server):
    async with make_server("[websocket]\nlogin_timeout = 1\n") as server:
        client = EventClient(server.url)
        server.clients.append(client)
        await client.connect()
        assert await client.wait_for("disconnect", timeout=5) == SERVER_DISCONNECT
        assert not server.ws.sessions.pending


class AutoRules:
    """A throwaway plugin implementing the trigger points of the auto rules."""

    def __init__(self):
        self.calls = []

    @hookimpl
    async def ws_first_login(self, app, user):
        self.calls.append(("first_login", user.username))

    @hookimpl
    async def ws_last_logout(self, app, user):
        self.calls.append(("last_logout", user.username))


async def test_first_login_and_last_logout_of_desktop_clients(make_server):
    rules = AutoRules()
    async with make_server(plugins=[("autorules", rules)]) as server:
        desktop = await server.client("alice")
        mobile = await server.client("alice", ua_type="mobile")
        legacy = await server.client("alice", ua_type=None)  # no uaType: a desktop client too
        assert rules.calls == [("first_login", "alice")]
        await desktop.close()
        await mobile.close()
        await asyncio.sleep(0.2)
        assert rules.calls == [("first_login", "alice")]
        await legacy.close()
        for _ in range(50):
            if len(rules.calls) == 2:
                break
            await asyncio.sleep(0.05)
        assert rules.calls == [("first_login", "alice"), ("last_logout", "alice")]


async def test_a_users_reload_moves_rooms_and_drops_removed_users(server, tmp_path):
    dave, carol = await server.client("dave"), await server.client("carol")
    users = json.loads((tmp_path / "users.json").read_text())
    users["dave"]["profile_id"] = "2"  # now with privacy and the presence panel
    del users["carol"]
    (tmp_path / "users.json").write_text(json.dumps(users))
    await reload(server.app)
    assert await carol.wait_for("disconnect") == SERVER_DISCONNECT
    rooms = set(server.app.sio.rooms(dave.sio.get_sid()))
    assert {R.PRIVACY, R.EXTENSIONS_PRIVACY} <= rooms and R.CLEAR not in rooms
    assert server.ws.sessions.occupied(R.PRIVACY) and not server.ws.sessions.occupied(R.PRIVACY_QUEUES_CLEAR)


async def test_no_last_logout_while_the_server_shuts_down(make_server):
    rules = AutoRules()
    async with make_server(plugins=[("autorules", rules)]) as server:
        await server.client("alice")
        server.app.stopping.set()  # what `nethcti serve` does on SIGTERM, before connections close
    assert rules.calls == [("first_login", "alice")]


async def test_malformed_frames_are_dropped_with_one_log_line_each(server):
    """Hand-made Engine.IO frames a socket.io client never sends: one warning each, no traceback, socket alive."""
    import aiohttp
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="DEBUG")
    malformed = ['42["login"', "42{}", "49", '42["ping",', "x"]  # the last one bad at the Engine.IO level
    try:
        url = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            assert (await ws.receive_str()).startswith("0{")
            await ws.send_str("40")
            assert (await ws.receive_str()).startswith("40{")
            for frame in malformed:
                await ws.send_str(frame)
            await ws.send_str('427["ping"]')  # phone-island's ping, acknowledged after the frames before it
            assert (await ws.receive_str(timeout=5)).startswith("437[")
    finally:
        logger.remove(sink)
    dropped = [line for line in lines if "malformed frame" in line]
    assert len(dropped) == len(malformed), lines
    assert not any("Traceback" in line for line in lines)
