"""The floor of a fan-out on this machine: one write of the same bytes to each of N loopback TCP connections.

    .venv/bin/python bench/write_floor.py [--clients 1000] [--events 300] [--size 400] [--gap 0.002]
                                          [--loops asyncio,uvloop]

What a server that did nothing per recipient but ``transport.write`` of a pre-built frame would spend: the
writer's user and system CPU per write (getrusage), with the N readers in another process draining their
sockets. On loopback the kernel also runs the receiving side of TCP in the sender's system call, so the
system time is the floor of any server on this machine, nethcti and the node reference alike. ``--gap``: the
pause between events (fan-out's events are ~0.1 s apart: the connections' kernel state has gone cold by then).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import selectors
import socket
import sys

from _common import HOST, print_header, print_table


def drain(port: int, clients: int, expected: int) -> None:
    """The readers (a forked child): connect ``clients`` sockets, read until ``expected`` bytes arrived, exit."""
    selector = selectors.DefaultSelector()
    for _ in range(clients):
        sock = socket.create_connection((HOST, port))
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    received = 0
    while received < expected:
        for key, _ in selector.select(10):
            received += len(key.fileobj.recv(1 << 16))
    os._exit(0)


async def measure(clients: int, events: int, size: int, gap: float) -> tuple[float, float]:
    transports: list[asyncio.Transport] = []

    class Sink(asyncio.Protocol):
        def connection_made(self, transport):
            transports.append(transport)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, HOST, 0)
    frame = bytes([0x81, 126]) + size.to_bytes(2, "big") + b"x" * size  # a text frame as an event's
    child = os.fork()
    if child == 0:
        drain(server.sockets[0].getsockname()[1], clients, clients * events * len(frame))
    while len(transports) < clients:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(events):
        for transport in transports:
            transport.write(frame)
        await asyncio.sleep(gap)  # one event at a time: every write is its own send()
    after = resource.getrusage(resource.RUSAGE_SELF)
    os.waitpid(child, 0)
    server.close()
    writes = clients * events
    return (after.ru_utime - before.ru_utime) / writes * 1e6, (after.ru_stime - before.ru_stime) / writes * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--size", type=int, default=400, help="payload bytes per frame (default 400)")
    parser.add_argument("--gap", type=float, default=0.002, help="seconds between events (default 0.002)")
    parser.add_argument("--loops", default="asyncio,uvloop")
    args = parser.parse_args()
    if not 1 <= args.clients <= 10000 or not 1 <= args.events <= 10000 or not 126 <= args.size < 65536 \
            or not 0 <= args.gap <= 1:
        parser.error("1 <= clients <= 10000, 1 <= events <= 10000, 126 <= size < 65536, 0 <= gap <= 1")
    print_header("write floor: one write of a pre-built frame per connection", clients=args.clients,
                 events=args.events, size=args.size, gap=args.gap)
    rows = []
    for name in args.loops.split(","):
        coroutine = measure(args.clients, args.events, args.size, args.gap)
        if name == "uvloop":
            import uvloop

            user, system = uvloop.run(coroutine)
        else:
            user, system = asyncio.run(coroutine)
        rows.append([name, round(user, 2), round(system, 2), round(user + system, 2)])
    print_table("CPU per write (µs)", ["event loop", "user µs", "system µs", "total µs"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
