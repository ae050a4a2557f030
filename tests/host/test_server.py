"""nethcti.server's listening socket."""

import asyncio
import socket

import pytest
from uvicorn.middleware.message_logger import MessageLoggerMiddleware

from nethcti.errors import StartupError
from nethcti.server import NethctiServer, bind, build
from nethcti.testing import base_conf


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


def test_uvicorn_does_not_trace_every_asgi_message(tmp_path):
    """The logging plugin sends every stdlib record to loguru (root level 0); uvicorn, left at that level, would
    wrap the app in a middleware logging each ASGI message, at twice the CPU per socket.io event."""
    app = build(base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\nstderr = false\n'))
    server = NethctiServer(app, handle_signals=False)
    server.config.load()
    layers, layer = [], server.config.loaded_app
    while layer is not None and layer is not app:  # uvicorn's middlewares keep the next one in .app
        layers.append(type(layer))
        layer = getattr(layer, "app", None)
    assert MessageLoggerMiddleware not in layers and layer is app
