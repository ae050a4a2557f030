"""Users with different profiles, the app served on a loopback port, REST logins as the clients do them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from nethcti_auth.passwords import PasswordFile
from nethcti_auth.testing import client_token
from nethcti_websocket.testing import EventClient, free_port, served, stop_process

from nethcti.server import build
from nethcti.testing import base_conf, write_conf


def permissions(*names: str) -> dict:
    """profiles.json macro_permissions from "macro" / "macro.permission" names."""
    macros: dict = {}
    for name in names:
        macro, _, perm = name.partition(".")
        entry = macros.setdefault(macro, {"value": True, "permissions": []})
        if perm:
            entry["permissions"].append({"id": str(len(entry["permissions"]) + 1), "name": perm, "value": True})
    return macros


PROFILES = {
    "1": {"id": "1", "name": "Clear", "macro_permissions": permissions(
        "presence_panel", "presence_panel.trunks", "queue_agent", "settings.parkings", "settings.screen_sharing",
        "qmanager")},
    "2": {"id": "2", "name": "Privacy", "macro_permissions": permissions(
        "settings.privacy", "presence_panel", "queue_agent", "settings.parkings")},
    "3": {"id": "3", "name": "Privacy, queue admin", "macro_permissions": permissions(
        "settings.privacy", "presence_panel", "queue_agent.ad_queue_agent")},
    "4": {"id": "4", "name": "Basic", "macro_permissions": permissions("phonebook")},
}
USERS = {
    "alice": {"name": "Alice Rossi", "profile_id": "1", "endpoints": {
        "mainextension": {"201": {}}, "cellphone": {"3331234567": {}},
        "extension": {"201": {"type": "physical"}, "91201": {"type": "webrtc", "user": "91201", "password": "x"}}}},
    "bob": {"name": "Bob Bianchi", "profile_id": "2", "endpoints": {
        "mainextension": {"202": {}}, "extension": {"202": {"type": "physical"}}}},
    "carol": {"name": "Carol Verdi", "profile_id": "3", "endpoints": {
        "mainextension": {"203": {}}, "extension": {"203": {"type": "physical"}}}},
    "dave": {"name": "Dave Neri", "profile_id": "4", "endpoints": {
        "mainextension": {"204": {}}, "extension": {"204": {"type": "physical"}}}},
}
PASSWORDS = {username: f"{username}-pw" for username in USERS}


def websocket_conf(tmp_path, extra: str = ""):
    """conf.d: users (NethVoice files), database, auth, websocket; passwords in the default passwords file."""
    (tmp_path / "users.json").write_text(json.dumps(USERS))
    (tmp_path / "profiles.json").write_text(json.dumps(PROFILES))
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for username, password in PASSWORDS.items():
        passwords.set(username, password)
    conf_dir = base_conf(tmp_path, f"""
        [users]
        enabled = true
        users_file = "{tmp_path / 'users.json'}"
        profiles_file = "{tmp_path / 'profiles.json'}"
        [database]
        enabled = true
        [auth]
        enabled = true
        [websocket]
        enabled = true
    """)
    write_conf(conf_dir, "60-extra.toml", extra)  # a later drop-in: its keys win
    return conf_dir


async def rest_login(http: httpx.AsyncClient, login: str, password: str | None = None) -> str:
    """The token of ``login`` (username or extension), through the REST nonce login."""
    password = password or PASSWORDS[login if login in PASSWORDS else _owner(login)]
    response = await http.post("/webrest/authentication/login", json={"username": login, "password": password})
    assert response.status_code == 401 and "www-authenticate" in response.headers, response.text
    return client_token(login, password, response.headers["www-authenticate"].split(" ")[1])


def _owner(exten: str) -> str:
    return next(u for u, d in USERS.items() if exten in d["endpoints"].get("extension", {}))


class Server:
    """The app served in-process; ``login(name)`` returns a token, ``client(...)`` a socket.io client."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url
        self.http = httpx.AsyncClient(base_url=url, timeout=10)
        self.clients: list[EventClient] = []

    @property
    def ws(self):
        return self.app.extensions["websocket"]

    async def login(self, login: str, password: str | None = None) -> str:
        return await rest_login(self.http, login, password)

    async def client(self, login: str | None = None, token: str | None = None, ua_type: str | None = "desktop",
                     *, payload: dict | None = None, wait: str | None = "authe_ok", **kwargs) -> EventClient:
        """A connected client that emitted ``login`` (a fresh token of ``login`` unless ``token`` is given)."""
        if payload is None and login is not None:
            payload = {"accessKeyId": login, "token": token or await self.login(login)}
            if ua_type is not None:
                payload["uaType"] = ua_type
        client = EventClient(self.url, payload, **kwargs)
        self.clients.append(client)
        await client.connect()
        if wait:
            await client.wait_for(wait)
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        await self.http.aclose()


@pytest.fixture
def make_server(tmp_path):
    """``async with make_server(extra_toml, plugins=[...]) as server``: the app served on a free port."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def make(extra: str = "", plugins=(), name: str = ""):
        """``name``: a directory of its own (conf.d, state), for several servers at once."""
        directory = tmp_path / name if name else tmp_path
        directory.mkdir(exist_ok=True)
        app = build(websocket_conf(directory, extra), plugins)
        async with served(app) as url:
            server = Server(app, url)
            try:
                yield server
            finally:
                await server.close()

    return make


@pytest.fixture
async def server(make_server):
    async with make_server() as server:
        yield server


# -- the real thing: `nethcti serve` as a subprocess, the node socket.io-client@4 script

CLIENT_DIR = Path(__file__).resolve().parents[3] / "tests" / "client"


@pytest.fixture(scope="session")
def node_script() -> Path:
    """tests/client/client.js with its node_modules (``npm ci`` the first time); node missing: skip, or fail in CI."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        reason = "node and npm are needed to test with socket.io-client@4 (apt-get install nodejs npm)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not (CLIENT_DIR / "node_modules" / "socket.io-client").is_dir():
        command = ["npm", "ci"] if (CLIENT_DIR / "package-lock.json").exists() else ["npm", "install"]
        done = subprocess.run([*command, "--no-audit", "--no-fund"], cwd=CLIENT_DIR, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"{' '.join(command)} in {CLIENT_DIR} failed:\n{done.stdout}\n{done.stderr}"
    return CLIENT_DIR / "client.js"


class ServeProcess:
    """``nethcti serve`` on a free loopback port; ``restart()`` stops it and starts it again on the same port."""

    def __init__(self, conf_dir: Path, log: Path):
        self.conf_dir, self.log_path = conf_dir, log
        self.port = free_port()
        write_conf(conf_dir, "01-port.toml", f"[server]\nport = {self.port}\n")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 30) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nethcti.cli", "--conf-dir", str(self.conf_dir), "serve",
                stdout=log, stderr=subprocess.STDOUT)
        async with httpx.AsyncClient(timeout=1) as http, asyncio.timeout(timeout):
            while True:
                assert self.process.returncode is None, self.log_path.read_text()[-3000:]
                try:
                    if (await http.get(f"{self.url}/status")).status_code in (200, 503):
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        await stop_process(self.process)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def serve_process(tmp_path):
    """``await serve_process(extra_toml)``: a started ``nethcti serve`` with the test users; stopped afterwards."""
    started: list[ServeProcess] = []

    async def start(extra: str = "") -> ServeProcess:
        server = ServeProcess(websocket_conf(tmp_path, extra), tmp_path / "serve.log")
        started.append(server)
        await server.start()
        return server

    yield start
    for server in started:
        await server.stop()
