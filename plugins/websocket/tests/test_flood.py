"""A flood of bad logins leaves nothing behind: registries back to empty, no memory kept per attempt."""

import asyncio
import gc
import tracemalloc

from engineio.async_socket import AsyncSocket
from nethcti_websocket.testing import EventClient

ROUNDS, PER_ROUND = 15, 20  # 300 bad logins, 20 at a time


async def bad_login(url: str, payload) -> None:
    client = EventClient(url)
    await client.connect()
    await client.sio.emit("login", payload)
    await client.wait_for("disconnect")
    assert client.received("401")


def live(cls) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, cls))  # DirectSocket too


def retained(snapshot_before, snapshot_after, packages=("socketio", "engineio", "nethcti")) -> int:
    """Bytes allocated between the snapshots and still alive, in the server-side packages."""
    stats = snapshot_after.filter_traces([tracemalloc.Filter(True, f"*/{p}*/*") for p in packages]).compare_to(
        snapshot_before.filter_traces([tracemalloc.Filter(True, f"*/{p}*/*") for p in packages]), "filename")
    return sum(stat.size_diff for stat in stats)


async def test_bad_logins_leave_no_state_and_no_memory(server):
    ws, sio = server.ws, server.app.sio
    keeper = await server.client("alice")  # one good socket throughout
    token = await server.login("bob")
    payloads = [None, "junk", {"accessKeyId": "bob"}, {"accessKeyId": "bob", "token": "f" * 40},
                {"accessKeyId": "nobody", "token": token}, {"accessKeyId": "bob", "token": token, "uaType": "x"}]

    # engine.io keeps a closed connection until its next ping would have been due (25 s): shorten that wait
    sio.eio.ping_interval = 0.5

    async def flood(rounds: int) -> None:
        for r in range(rounds):
            await asyncio.gather(*(bad_login(server.url, payloads[(r + i) % len(payloads)]) for i in range(PER_ROUND)))
        await asyncio.sleep(1)  # the last disconnects handled, the last ping timers run out
        gc.collect()

    await flood(3)  # warm-up: caches, lazily built structures
    tracemalloc.start(1)
    try:
        before = tracemalloc.take_snapshot()
        await flood(ROUNDS)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()

    assert len(ws.sessions) == 1 and not ws.sessions.pending and not ws._takeovers
    assert len(sio.eio.sockets) == 1 and live(AsyncSocket) == 1  # engine.io connections: only the good one
    assert set(sio.manager.rooms["/"]) == {keeper.sio.get_sid(), *sio.rooms(keeper.sio.get_sid())} | {None}
    growth = retained(before, after)
    assert growth < 64 * 1024, f"{ROUNDS * PER_ROUND} bad logins kept {growth} bytes"
    assert await keeper.ping()
