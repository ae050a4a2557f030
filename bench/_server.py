"""nethcti in a process of its own (bench/_serve.py), its readings (/proc), and REST logins against it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import BENCH, HOST, cpu_seconds, rss_kib, wait_port
from _confs import PASSWORD, username
from nethcti_auth.testing import client_token

LOGIN = "/webrest/authentication/login"
LOGIN_POOL = 50  # REST logins; the sockets share these tokens round-robin (no uaType: no take-over)
CATCH_UP = 300.0  # s a server and its clients may take, once Asterisk is done, to catch up


@dataclass(frozen=True)
class Variant:
    """How bench/_serve.py serves nethcti; ``Variant()`` is ``nethcti serve`` as shipped."""

    server: str = "nethcti"
    loop: str = "asyncio"
    json: str = "orjson"
    emit: str = "direct"
    ws: str = "direct"  # "queued": websockets through python-engineio's writer task (nethcti before wsdirect)
    gc: str = ""  # other gc thresholds; "" = nethcti serve's
    deflate: bool = False  # the socket.io clients offer permessage-deflate (browsers do)

    @property
    def name(self) -> str:
        if self.server == "node":
            return "node socket.io 3 (reference)"
        default_loop = "uvloop" if self.server == "uvicorn" else "asyncio"
        return ", ".join(["nethcti serve" if self.server == "nethcti" else f"{self.server}+{self.loop}"]
                         + (["uvloop"] if self.server == "nethcti" and self.loop != default_loop else [])
                         + (["json"] if self.json == "json" else [])
                         + (["upstream emit"] if self.emit == "upstream" else [])
                         + (["queued ws"] if self.ws == "queued" else [])
                         + ([f"gc {self.gc}"] if self.gc else []) + (["deflate"] if self.deflate else []))

    @classmethod
    def parse(cls, text: str) -> Variant:
        """``server[/modifier…]``: server ``nethcti`` (as shipped), ``hypercorn`` (before), ``uvicorn``
        (httptools, websockets, uvloop), ``node`` (the original's socket.io 3, bench/node/reference.js: fanout.py);
        modifiers ``uvloop``/``asyncio``, ``json`` (Quart's stdlib JSON),
        ``upstream`` (python-socketio's emit), ``queued`` (websockets written through python-engineio's writer task
        per socket, not directly: nethcti.wsdirect), ``gc-default`` (CPython's thresholds 700,10,10), ``deflate``
        (the clients offer permessage-deflate). ``before`` is ``hypercorn/json/gc-default``."""
        parts = text.replace("before", "hypercorn/json/gc-default").split("/")
        server, modifiers = parts[0], set(parts[1:])
        if server not in ("nethcti", "hypercorn", "uvicorn", "node") or modifiers - MODIFIERS:
            raise ValueError(f"unknown variant {text!r}: server[/{'/'.join(sorted(MODIFIERS))}]")
        loop = "uvloop" if "uvloop" in modifiers or (server == "uvicorn" and "asyncio" not in modifiers) else "asyncio"
        return cls(server, loop, "json" if "json" in modifiers else "orjson",
                   "upstream" if "upstream" in modifiers else "direct", "queued" if "queued" in modifiers else "direct",
                   CPYTHON_GC if "gc-default" in modifiers else "", "deflate" in modifiers)


MODIFIERS = {"uvloop", "asyncio", "json", "upstream", "queued", "gc-default", "deflate"}
CPYTHON_GC = "700,10,10"
BEFORE = "before"  # nethcti serve before bench/ picked its server, encoder and gc thresholds


class MeasuredProcess:
    """A server in a process of its own (``self.process``, started by a subclass): its readings, and its stop."""

    process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    async def __aexit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        for _ in range(150):
            if self.process.poll() is not None:
                return
            await asyncio.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait(5)


class ServerProcess(MeasuredProcess):
    """``async with ServerProcess(conf_dir, port, variant) as server``: started, listening, then stopped."""

    def __init__(self, conf_dir: Path, port: int, variant: Variant = Variant(), log: Path | None = None):
        self.conf_dir, self.port, self.variant = conf_dir, port, variant
        self.url = f"http://{HOST}:{port}"
        self.log = log or conf_dir.parent / f"server-{port}.err"

    async def __aenter__(self) -> ServerProcess:
        v = self.variant
        with open(self.log, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(BENCH / "_serve.py"), "--conf-dir", str(self.conf_dir), "--server", v.server,
                 "--loop", v.loop, "--json", v.json, "--emit", v.emit, "--ws", v.ws,
                 *(["--gc", v.gc] if v.gc else [])], stdout=subprocess.DEVNULL, stderr=err)
        try:
            await wait_port(self.port, 30, alive=lambda: self.process.poll() is None)
            await self._wait_model(60)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def logins(self, users: int) -> list[tuple[str, str]]:
        """(username, token) of the first ``users`` synthetic users (_confs), at most LOGIN_POOL."""
        return list((await tokens(self.url, [username(i) for i in range(min(LOGIN_POOL, users))], PASSWORD)).items())

    async def drained(self, timeout: float = CATCH_UP) -> None:
        """Until /status shows no AMI event waiting in any plugin's queue (bounded)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            async def queued() -> int:
                subscribers = (await client.get("/webrest/status")).json()["plugins"]["ami"]["subscribers"]
                return sum(s["queued"] for s in subscribers.values())

            deadline = time.monotonic() + timeout
            while await queued() and time.monotonic() < deadline:
                await asyncio.sleep(0.2)

    async def model_state(self, login: tuple[str, str]) -> dict:
        """What the model holds now: channels (/status) and conversations (/astproxy/extensions)."""
        headers = {"Authorization": f"{login[0]}:{login[1]}"}
        async with httpx.AsyncClient(base_url=self.url, timeout=30, headers=headers) as client:
            status = (await client.get("/webrest/status")).json()["plugins"]["astproxy"]
            extensions = (await client.get("/webrest/astproxy/extensions")).json()
        return {"channels": status["channels"],
                "conversations": sum(len(e["conversations"]) for e in extensions.values())}

    async def _wait_model(self, timeout: float) -> None:
        """Until /status says the PBX model is loaded (the fake PBX answers in this process meanwhile)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            for _ in range(int(timeout / 0.1)):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    status = (await client.get("/webrest/status")).json()
                    if status.get("plugins", {}).get("astproxy", {}).get("loaded"):
                        return
                await asyncio.sleep(0.1)
        raise TimeoutError(f"no PBX model after {timeout:g} s")


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    """The NethVoice login (nonce, then HMAC-SHA1 token); the token."""
    response = await client.post(LOGIN, json={"username": username, "password": password})
    if response.status_code != 401 or "WWW-Authenticate" not in response.headers:
        raise RuntimeError(f"login of {username}: {response.status_code} {response.text[:200]}")
    nonce = response.headers["WWW-Authenticate"].split(" ")[1]
    return client_token(username, password, nonce)


async def tokens(url: str, usernames: list[str], password: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return {name: await login(client, name, password) for name in usernames}
