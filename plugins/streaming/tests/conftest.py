"""Fixtures of the streaming tests: the app served on a loopback port over a fake AMI that answers the model's
loading as the demo PBX did (recorded), a local camera, HTTP and socket.io clients logged in as the clients do."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.testing import PASSWORDS, demo_conf, fake_ami_answers, read_transcript
from nethcti_streaming.testing import Camera
from nethcti_websocket.testing import SocketSession, served

from nethcti.server import build

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "astproxy" / "tests" / "transcripts"


def streaming_toml(camera_url: str, private_password: str = 'password = "open"') -> str:
    """Sources on the camera; alice may use all but vs_hidden, bob has the macro and no source, carol nothing.
    ``private_password``: how vs_private's password is written (``password_file = "…"`` works too)."""
    return f"""
[websocket]
enabled = true

[streaming]
enabled = true
image_timeout = 0.5
max_image_bytes = 16384

[streaming.sources.vs_door]
description = "Front door"
url = "{camera_url}/snapshot.png"
frame_rate = 100
extension = "204"
open = "1*#"

[streaming.sources.vs_gate]
url = "http://door:open@127.0.0.1:1/unused"
extension = 203

[streaming.sources.vs_private]
url = "{camera_url}/private.png"
user = "door"
{private_password}

[streaming.sources.vs_slow]
url = "{camera_url}/slow"

[streaming.sources.vs_page]
url = "{camera_url}/page"

[streaming.sources.vs_big]
url = "{camera_url}/big"

[streaming.sources.vs_gone]
url = "{camera_url}/gone.png"

[streaming.sources.vs_hidden]
url = "{camera_url}/snapshot.png"

[users.profiles.full]
permissions = ["streaming.vs_door", "streaming.vs_gate", "streaming.vs_private", "streaming.vs_slow",
               "streaming.vs_page", "streaming.vs_big", "streaming.vs_gone", "streaming.vs_nowhere"]

[users.profiles.agent]
permissions = ["streaming", "settings.privacy"]
"""


class Session(SocketSession):
    """The served app, its fake AMI, the camera, an HTTP client, socket.io clients logged in with REST tokens."""

    def __init__(self, app, url: str, fake, camera: Camera):
        super().__init__(app, url, PASSWORDS)
        self.fake, self.camera = fake, camera
        self._headers: dict[str, dict] = {}

    @property
    def service(self):
        return self.app.extensions["streaming"]

    async def headers(self, username: str) -> dict:  # one login per user: many calls per test
        if username not in self._headers:
            self._headers[username] = await super().headers(username)
        return self._headers[username]

    async def call(self, method: str, path: str, user: str = "alice", status: int = 200, body=None):
        response = await self.http.request(method, f"/webrest/streaming/{path}", headers=await self.headers(user),
                                           json=body)
        data = response.json()
        assert response.status_code == status, (method, path, user, response.status_code, data)
        return data

    async def get(self, path: str, user: str = "alice", status: int = 200):
        return await self.call("GET", path, user, status)

    async def post(self, path: str, body, user: str = "alice", status: int = 200):
        return await self.call("POST", path, user, status, body)


@asynccontextmanager
async def serving(tmp_path, extra: str = "", private_password: str = 'password = "open"'):
    recorded = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    async with Camera() as camera, FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        (conf / "70-streaming.toml").write_text(streaming_toml(camera.url, private_password) + extra)
        app = build(conf)
        async with served(app) as url:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            session = Session(app, url, fake, camera)
            try:
                yield session
            finally:
                await session.close()


@pytest.fixture
def streaming(tmp_path):
    """``async with streaming() as session``: see ``serving``."""

    def make(**kwargs):
        return serving(tmp_path, **kwargs)

    return make
