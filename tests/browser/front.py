"""The NethVoice front the browser sees: https on port 443, the host page at ``/``, ``/webrest/``,
``/socket.io/`` and ``/api/`` (with its socket at ``/api/ws``) proxied to nethcti (as NethVoice's
Traefik/Apache do; there ``/api`` is nethcti-middleware), ``/janus`` answered by a stand-in."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.browser.janus import JanusStub

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}


def self_signed(directory: Path, hostname: str) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for ``hostname`` (written to ``directory``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "front.crt", directory / "front.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


class Front:
    """``upstream``: nethcti's base URL (``http://127.0.0.1:<port>``); ``site``: the built pages; ``page``: the
    one served at ``/`` (index.html: phone-island 0.13.4, legacy; current.html: the current one, /api)."""

    def __init__(self, upstream: str, site: Path, page: str = "index.html"):
        self.upstream, self.site, self.page_name = upstream.rstrip("/"), site, page
        self.janus = JanusStub()
        self.websockets: set[web.WebSocketResponse] = set()
        self.app = web.Application()
        self.app.router.add_get("/", self.page)
        self.app.router.add_get(r"/{name:(main|current)\.(js|css)}", self.asset)
        self.app.router.add_route("*", "/webrest/{tail:.*}", self.proxy)
        self.app.router.add_route("*", "/socket.io/{tail:.*}", self.socket_io)
        self.app.router.add_route("*", "/api/ws/{tail:.*}", self.socket_io)
        self.app.router.add_route("*", "/api/{tail:.*}", self.proxy)
        self.janus.add_routes(self.app)
        self.app.on_shutdown.append(self._close_websockets)
        self.session: aiohttp.ClientSession | None = None

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(self.site / self.page_name, headers={"Cache-Control": "no-store"})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(self.site / request.match_info["name"], headers={"Cache-Control": "no-store"})

    def _headers(self, headers) -> dict:
        return {name: value for name, value in headers.items() if name.lower() not in HOP_BY_HOP}

    async def proxy(self, request: web.Request) -> web.StreamResponse:
        forwarded = {**self._headers(request.headers), "X-Forwarded-Proto": "https",
                     "X-Forwarded-For": request.remote or "", "X-Forwarded-Host": request.host}
        try:
            async with self.session.request(request.method, self.upstream + request.path_qs, headers=forwarded,
                                            data=await request.read(), allow_redirects=False) as upstream:
                body = await upstream.read()
                return web.Response(status=upstream.status, body=body, headers=self._headers(upstream.headers))
        except aiohttp.ClientConnectionError:
            return web.Response(status=502, text="nethcti is not answering")  # as a reverse proxy would

    async def socket_io(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self.proxy(request)
        try:
            upstream = await self.session.ws_connect(self.upstream + request.path_qs, autoping=False)
        except (aiohttp.ClientConnectionError, aiohttp.WSServerHandshakeError):
            return web.Response(status=502, text="nethcti is not answering")
        browser = web.WebSocketResponse(autoping=False)
        await browser.prepare(request)
        self.websockets.add(browser)
        try:
            await asyncio.gather(self._pipe(browser, upstream), self._pipe(upstream, browser))
        finally:
            self.websockets.discard(browser)
        return browser

    @staticmethod
    async def _pipe(source, destination) -> None:
        """Frames from one side to the other; when one side closes, so does the other."""
        try:
            async for message in source:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await destination.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await destination.send_bytes(message.data)
                elif message.type in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG):
                    continue
                else:
                    break
        except (ConnectionError, aiohttp.ClientError):
            pass
        finally:
            with suppress(Exception):
                await destination.close()

    async def _close_websockets(self, app: web.Application) -> None:
        self.janus.closing.set()
        for websocket in list(self.websockets):
            await websocket.close()


@asynccontextmanager
async def serve_front(front: Front, host: str, port: int, tls: ssl.SSLContext):
    """Run ``front`` on ``host:port`` with TLS for the duration of the block."""
    front.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    runner = web.AppRunner(front.app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, ssl_context=tls).start()
        yield front
    finally:
        await runner.cleanup()
        await front.session.close()


def loopback_address(seed: int) -> str:
    """An address of 127.0.0.0/8 of its own (port 443 is then free whatever else runs)."""
    return str(ipaddress.IPv4Address("127.0.0.0") + 2 + seed % 60000)
