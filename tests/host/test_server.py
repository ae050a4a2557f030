"""nethcti.server's listening socket."""

import asyncio
import socket

import pytest

from nethcti.errors import StartupError
from nethcti.server import bind


async def test_accepted_connections_have_nagle_off():
    """Without TCP_NODELAY a response written in two parts (h11: head, then body) waits for the client's
    delayed ACK: asyncio sets it only on sockets created with proto IPPROTO_TCP."""
    listening = bind("127.0.0.1", 0)
    accepted = asyncio.get_running_loop().create_future()

    async def on_connect(_reader, writer):
        accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listening)
    async with server:
        _reader, writer = await asyncio.open_connection(*listening.getsockname())
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()


def test_a_busy_port_is_a_startup_error_naming_it():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        expected = rf"\[server\] cannot listen on 127.0.0.1 port {port}: address already in use"
        with pytest.raises(StartupError, match=expected):
            bind("127.0.0.1", port)
