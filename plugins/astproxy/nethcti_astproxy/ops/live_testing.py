"""Test helpers for the operations: the app on the demo PBX with switchboard profiles, POSTs as a logged-in user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from nethcti_ami.testing import wait_until
from nethcti_auth.testing import log_in

from nethcti.testing import running_app, write_conf
from nethcti_astproxy.testing import PASSWORDS, demo_conf

# A drop-in after demo_conf's (tables merge, lists are replaced). alice (201, 91201; voicemail 201, cellphone
# 0612345678) gets every presence_panel permission and the operator waiting queue ctiopqueue3; bob (202) stays a
# queue agent with settings.parkings, carol (203) has no permission, dave (204, offline) supervises queue 402.
SWITCHBOARD_TOML = """
[users.profiles.full]
permissions = ["settings.dnd", "settings.parkings", "queue_agent.ad_queue_agent", "presence_panel.trunks",
               "qmanager.qmanager_401", "operator_panel.in_queue_401", "operator_panel.waiting_queue_3",
               "presence_panel.hangup", "presence_panel.transfer", "presence_panel.pickup",
               "presence_panel.ad_parking", "presence_panel.ad_phone"]

[users.accounts.alice]
voicemail = "201"
cellphone = "0612345678"

[users.accounts.bob]
voicemail = "202"

[astproxy.queues.ctiopqueue3]
name = "Operator waiting queue"
"""


class Switchboard:
    """The running app seen by the clients (``post``) and by the tests (the model, the AMI service)."""

    def __init__(self, app: Any):
        self.app = app
        self.astproxy = app.extensions["astproxy"]
        self.ami = app.extensions["ami"]
        self.client = app.test_client()
        self._headers: dict[str, dict] = {}

    async def post(self, operation: str, body: dict | None = None, *, user: str = "alice", status: int = 200,
                   query: dict | None = None) -> dict:
        """POST /webrest/astproxy/<operation> as ``user``; asserts the status, returns the JSON answer."""
        if user not in self._headers:
            self._headers[user] = await log_in(self.client, user, PASSWORDS[user])
        extra: dict[str, Any] = {"json": body} if body is not None else {}
        response = await self.client.post(f"/webrest/astproxy/{operation}", headers=self._headers[user],
                                          query_string=query, **extra)
        answer = await response.get_json()
        assert response.status_code == status, (operation, body, user, response.status_code, answer)
        return answer

    async def refused(self, operation: str, body: dict, status: int, error_id: str, *, user: str = "alice") -> dict:
        """POST that must fail with ``status`` and ``error_id``; returns the error's details."""
        answer = await self.post(operation, body, user=user, status=status)
        assert answer["error_id"] == error_id, (operation, body, user, answer)
        return answer["details"]

    # -- the model

    def channels(self, exten: str) -> list[str]:
        ext = self.astproxy.extension(exten)
        return list(ext.channels) if ext is not None else []

    def conversations(self, exten: str) -> dict:
        return self.astproxy.to_json(self.astproxy.extension(exten))["conversations"]

    def talking(self, exten: str, counterpart: str | None = None) -> dict | None:
        """The one connected conversation of ``exten`` (whose counterpart number is ``counterpart``), or None."""
        convs = [c for c in self.conversations(exten).values() if c["connected"]]
        if len(convs) != 1 or (counterpart is not None and convs[0]["counterpartNum"] != counterpart):
            return None
        return convs[0]

    async def wait_talking(self, exten: str, counterpart: str | None = None, what: str = "") -> dict:
        await wait_until(lambda: self.talking(exten, counterpart) is not None,
                         what or f"{exten} talks with {counterpart or 'someone'}")
        return self.talking(exten, counterpart)

    async def wait_idle(self, *extens: str) -> None:
        await wait_until(lambda: not any(self.channels(e) for e in extens), f"no call left on {', '.join(extens)}")

    # -- the PBX

    async def call(self, caller: str, callee: str) -> str:
        """``caller`` calls ``callee`` (AMI Originate) and both talk; returns the conversation id."""
        await self.ami.originate(f"PJSIP/{caller}", exten=callee, context="from-internal", caller_id=caller)
        ours = await self.wait_talking(caller, callee)
        theirs = await self.wait_talking(callee, caller)
        assert ours["id"] == theirs["id"]
        return ours["id"]


async def eventually(probe: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:
    """Poll the coroutine ``probe()`` until true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def switchboard(tmp_path, pbx, extra: str = "") -> AsyncIterator[Switchboard]:
    """The app on the demo PBX ``pbx``, model loaded; ``extra`` is more conf.d TOML."""
    info = pbx.ami_info()
    conf_dir = demo_conf(tmp_path, info["port"], info["username"], info["secret"])
    write_conf(conf_dir, "70-switchboard.toml", SWITCHBOARD_TOML + extra)
    async with running_app(conf_dir) as app:
        await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
        yield Switchboard(app)
