"""A stand-in for NethVoice's Janus gateway (HTTP API, SIP plugin): sessions, handles and a registration.

phone-island opens a Janus session at start-up and shows "Web Phone connection is down" over every view
when it cannot (an alert that hides the call). The demo has no WebRTC, so this answers just enough of
https://janus.conf.meetecho.com/docs/rest.html for the SIP plugin to report ``registered``; calls are
taken by the user's physical phone (sipp), which is what the island then shows.
"""

from __future__ import annotations

import asyncio
import itertools

from aiohttp import web

LONG_POLL_SECONDS = 20.0  # janus.js waits up to 60 s; an empty poll is answered with a keepalive


class JanusStub:
    def __init__(self):
        self.ids = itertools.count(1_000_001)
        self.sessions: dict[int, asyncio.Queue] = {}
        self.requests: list[dict] = []  # what the island asked, for the tests
        self.closing = asyncio.Event()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/janus", self.create)
        app.router.add_get(r"/janus/{session:\d+}", self.long_poll)
        app.router.add_post(r"/janus/{session:\d+}", self.session_request)
        app.router.add_post(r"/janus/{session:\d+}/{handle:\d+}", self.handle_request)

    async def create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if body.get("janus") != "create":
            return self.error(body, 457, "Unhandled request at this path")
        session = next(self.ids)
        self.sessions[session] = asyncio.Queue()
        return self.success(body, {"id": session})

    async def long_poll(self, request: web.Request) -> web.Response:
        queue = self.sessions.get(int(request.match_info["session"]))
        if queue is None:
            return self.error({}, 458, "No such session")
        getter = asyncio.ensure_future(queue.get())
        closing = asyncio.ensure_future(self.closing.wait())
        try:
            await asyncio.wait([getter, closing], timeout=LONG_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            if not getter.done():
                getter.cancel()
        if not getter.done() or getter.cancelled():
            return web.json_response({"janus": "keepalive"})
        events = [getter.result()]
        while not queue.empty():
            events.append(queue.get_nowait())
        return web.json_response(events)

    async def session_request(self, request: web.Request) -> web.Response:
        session = int(request.match_info["session"])
        body = await request.json()
        self.requests.append(body)
        if session not in self.sessions:
            return self.error(body, 458, "No such session")
        match body.get("janus"):
            case "attach":
                return self.success(body, {"id": next(self.ids)}, session_id=session)
            case "destroy":
                self.sessions.pop(session, None)
                return self.success(body, None, session_id=session)
            case _:  # keepalive, claim …
                return self.ack(body, session)

    async def handle_request(self, request: web.Request) -> web.Response:
        session, handle = int(request.match_info["session"]), int(request.match_info["handle"])
        body = await request.json()
        self.requests.append(body)
        queue = self.sessions.get(session)
        if queue is None:
            return self.error(body, 458, "No such session")
        if body.get("janus") == "detach":
            return self.success(body, None, session_id=session)
        if body.get("janus") == "message":
            result = {"register": "registered", "unregister": "unregistered"}.get(body.get("body", {}).get("request"))
            if result:
                queue.put_nowait({"janus": "event", "session_id": session, "sender": handle,
                                  "transaction": body.get("transaction"),
                                  "plugindata": {"plugin": "janus.plugin.sip", "data": {
                                      "sip": "event", "result": {"event": result,
                                                                 "username": body["body"].get("username", "")}}}})
        return self.ack(body, session)

    @staticmethod
    def ack(body: dict, session: int) -> web.Response:
        return web.json_response({"janus": "ack", "session_id": session, "transaction": body.get("transaction")})

    @staticmethod
    def success(body: dict, data, **extra) -> web.Response:
        answer = {"janus": "success", "transaction": body.get("transaction"), **extra}
        if data is not None:
            answer["data"] = data
        return web.json_response(answer)

    @staticmethod
    def error(body: dict, code: int, reason: str) -> web.Response:
        # Janus answers errors with HTTP 200 and the error in the body
        return web.json_response({"janus": "error", "transaction": body.get("transaction"),
                                  "error": {"code": code, "reason": reason}})
