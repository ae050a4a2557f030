"""The Websocket service on ``app.extensions["websocket"]``: login, take-over, token life, relaying, audiences."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from loguru import logger
from nethcti_auth.shared import LocalState, SharedState
from nethcti_auth.tokens import token_digest
from nethcti_users.model import User

from nethcti_websocket.rooms import rooms_for, user_room
from nethcti_websocket.schemas import LoginSchema, MessageSchema, load
from nethcti_websocket.sessions import Pending, Session, Sessions

AUTHE_OK = {"message": "authorized successfully"}
UNAUTHORIZED = {"message": "unauthorized access"}
SCREEN_SHARING_PERMISSION = "settings.screen_sharing"

Notify = Callable[..., Awaitable[None]]  # notify(hookname, **kwargs): the app's domain-event hook call


class Emit(Protocol):
    async def __call__(self, event: str, data: Any = None, to: Any = None, *, skip: Any = None,
                       local: bool = False) -> None: ...


class Websocket:
    """The sockets of this process and what they may receive.

    ``sio`` is python-socketio's AsyncServer (rooms, disconnect); ``emit`` the app's emit API; ``shared`` the
    state shared with the other processes of the service (the sockets of each user everywhere, messages).
    """

    def __init__(self, *, sio, emit: Emit, notify: Notify, auth, users, takeover_timeout: float = 2.0,
                 login_timeout: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 stopping: Callable[[], bool] = lambda: False, shared: SharedState | None = None):
        self.sio, self.emit, self.notify, self.auth, self.users = sio, emit, notify, auth, users
        self.stopping = stopping  # the server is shutting down: its sockets closing are no user's logout
        self.takeover_timeout, self.login_timeout, self.clock = takeover_timeout, login_timeout, clock
        self.shared = shared or LocalState()
        self.sessions = Sessions()
        self._takeovers: dict[str, asyncio.Event] = {}  # old socket id -> set by its takeOverAck or disconnect
        self._taken_over_for: set[str] = set()  # sockets here told takeOver for a login in another process
        self.shared.subscribe("takeover", self._takeover_requested)
        self.shared.subscribe("takeover-ack", self._takeover_acked_elsewhere)
        self._login_schema, self._message_schema = LoginSchema(), MessageSchema()

    # -- connection life

    def connected(self, sid: str) -> None:
        self.sessions.pending[sid] = Pending(self.clock())

    async def login(self, sid: str, data: Any) -> None:
        """``login {accessKeyId, token, uaType?}`` -> ``authe_ok``, or ``401`` and a disconnect."""
        current = self.sessions.get(sid)
        if current is not None:
            await self._login_again(current, data)
            return
        pending = self.sessions.pending.get(sid)
        if pending is None or pending.logging_in:
            return  # disconnected meanwhile, or a second login while the first is in progress
        payload = load(self._login_schema, data)
        if payload is None:
            logger.warning("websocket: bad login request from socket {}", sid)
            await self.refuse(sid)
            return
        login, token, ua_type = payload["accessKeyId"], payload["token"], payload["uaType"]
        pending.logging_in = True
        try:
            user = await self.auth.verify_token(login, token)
        except Exception as exc:  # the persistent tokens' database is down: refuse, the client retries
            logger.opt(exception=exc).error("websocket: cannot check the token of {!r}", login)
            user = None
        if sid not in self.sessions.pending:
            return
        if user is None:
            logger.warning("websocket: login of {!r} refused (socket {})", login, sid)
            await self.refuse(sid)
            return
        if ua_type is not None:
            olds = [s.sid for s in self.sessions.of_user(user.username) if s.ua_type == ua_type]
            remote = [e.sid for e in await self.shared.sockets.of_user(user.username)
                      if e.ua_type == ua_type and e.process != self.shared.process]
            if olds or remote:
                await self._take_over(olds, remote, login, ua_type)
            if sid not in self.sessions.pending:
                return
        await self._complete(sid, user, login, token, ua_type)

    async def _complete(self, sid: str, user: User, login: str, token: str, ua_type: str | None) -> None:
        rooms = rooms_for(user, self.users.privacy_applies(user))
        session = Session(sid, login, user.username, ua_type, token, token_digest(token), frozenset(rooms))
        everywhere = await self.shared.sockets.add(user.username, sid, ua_type)  # in every process
        if sid not in self.sessions.pending:  # gone meanwhile: it never logged in
            await self.shared.sockets.remove(user.username, sid)
            return
        first = session.desktop and not any(e.desktop and e.sid != sid for e in everywhere)
        self.sessions.add(session)
        # Rooms, then authe_ok, with no suspension point in between (the in-process manager's enter_room does
        # not await): no event is queued for the socket before authe_ok, and none is missed after it.
        for room in rooms:
            await self.sio.enter_room(sid, room)
        await self.emit("authe_ok", AUTHE_OK, to=sid, local=True)
        logger.info("websocket: {!r} ({}) logged in, socket {}, {}", login, user.username, sid, ua_type or "no uaType")
        if first:
            logger.info("websocket: first desktop socket of {} in the service: ws_first_login", user.username)
            await self.notify("ws_first_login", user=user)

    async def _login_again(self, session: Session, data: Any) -> None:
        """A login on a socket already logged in: the same user is welcome again; anything else is refused."""
        payload = load(self._login_schema, data)
        user = await self.auth.verify_token(payload["accessKeyId"], payload["token"]) if payload else None
        if self.sessions.get(session.sid) is not session:
            return
        if user is None or user.username != session.username:
            await self.refuse(session.sid)
            return
        await self.emit("authe_ok", AUTHE_OK, to=session.sid, local=True)

    async def _take_over(self, olds: list[str], remote: list[str], login: str, ua_type: str) -> None:
        """``takeOver`` to the user's sockets of the same uaType, here (``olds``) and in the other processes
        (``remote``, told through the shared state); wait (bounded) for their ``takeOverAck``."""
        acks = [self._takeovers.setdefault(sid, asyncio.Event()).wait() for sid in [*olds, *remote]]
        for sid in olds:
            await self.emit("takeOver", None, to=sid, local=True)
        if remote:
            await self.shared.publish("takeover", {"sids": remote})
        logger.warning("websocket: second login of {!r} ({}): takeOver sent to {} socket(s), {} in other processes",
                       login, ua_type, len(olds) + len(remote), len(remote))
        try:
            async with asyncio.timeout(self.takeover_timeout):
                await asyncio.gather(*acks)
        except TimeoutError:
            logger.info("websocket: no takeOverAck within {} s for {!r}; logging in anyway", self.takeover_timeout,
                        login)
        for sid in olds:
            if self.sessions.get(sid) is None:  # gone before its wait was registered: nobody will pop it
                self._takeovers.pop(sid, None)
        for sid in remote:
            self._takeovers.pop(sid, None)

    async def takeover_acked(self, sid: str) -> None:
        """The socket answered ``takeOver`` (or is gone): the login waiting for it, here or elsewhere, goes on."""
        ack = self._takeovers.pop(sid, None)
        if ack is not None:
            ack.set()
        if sid in self._taken_over_for:
            self._taken_over_for.discard(sid)
            await self.shared.publish("takeover-ack", {"sid": sid})

    async def _takeover_requested(self, data: dict) -> None:
        """Another process's login takes over sockets of the same user and uaType, some of them here."""
        sids = data.get("sids")
        for sid in sids if isinstance(sids, list) else ():
            if isinstance(sid, str) and self.sessions.get(sid) is not None:
                self._taken_over_for.add(sid)
                await self.emit("takeOver", None, to=sid, local=True)

    async def _takeover_acked_elsewhere(self, data: dict) -> None:
        ack = self._takeovers.pop(str(data.get("sid", "")), None)
        if ack is not None:
            ack.set()

    async def refuse(self, sid: str) -> None:
        """``401 {message}`` then a server-side disconnect, as the original."""
        await self.emit("401", UNAUTHORIZED, to=sid, local=True)
        await self.sio.disconnect(sid)

    async def disconnected(self, sid: str) -> None:
        await self.takeover_acked(sid)  # a take-over waiting for this socket need not wait any longer
        session = self.sessions.remove(sid)
        if session is None:
            return
        logger.info("websocket: {!r} ({}) disconnected, socket {}", session.login, session.username, sid)
        remaining = await self.shared.sockets.remove(session.username, sid)  # in every process
        if session.desktop and not any(e.desktop for e in remaining) and not self.stopping():
            user = self.users.get(session.username)
            if user is not None:
                logger.info("websocket: last desktop socket of {} in the service closed: ws_last_logout", user.username)
                await self.notify("ws_last_logout", user=user)

    # -- housekeeping

    async def refresh_tokens(self) -> int:
        """Extend the token of every open socket (as a REST request would); disconnect those no longer valid.

        Returns the number of sockets disconnected.
        """
        checked: dict[tuple[str, str], User | None] = {}
        dropped = 0
        for session in self.sessions:
            key = (session.login, session.digest)
            if key not in checked:
                try:
                    checked[key] = await self.auth.verify_token(session.login, session.token)
                except Exception as exc:  # a database hiccup must not log everybody out
                    logger.opt(exception=exc).error("websocket: cannot check the token of {!r}", session.login)
                    checked[key] = self.users.get(session.username)
            if checked[key] is None and self.sessions.get(session.sid) is session:
                logger.info("websocket: token of {!r} is no longer valid: socket {} disconnected", session.login,
                            session.sid)
                await self.sio.disconnect(session.sid)
                dropped += 1
        return dropped

    async def drop_unauthenticated(self) -> int:
        """Disconnect sockets that did not log in within ``login_timeout``; their number."""
        deadline = self.clock() - self.login_timeout
        late = [sid for sid, p in self.sessions.pending.items() if p.connected_at < deadline and not p.logging_in]
        for sid in late:
            await self.sio.disconnect(sid)
        return len(late)

    async def token_revoked(self, login: str, digest: str) -> None:
        """A logout: the sockets that logged in with that token are disconnected."""
        for session in self.sessions.with_token(login, digest):
            logger.info("websocket: token of {!r} revoked: socket {} disconnected", login, session.sid)
            await self.sio.disconnect(session.sid)

    async def users_changed(self) -> None:
        """After a users reload: sockets of removed users are disconnected, the others' rooms follow profiles."""
        for session in self.sessions:
            user = self.users.get(session.username)
            if user is None:
                await self.sio.disconnect(session.sid)
                continue
            rooms = frozenset(rooms_for(user, self.users.privacy_applies(user)))
            for room in session.rooms - rooms:
                await self.sio.leave_room(session.sid, room)
            for room in rooms - session.rooms:
                await self.sio.enter_room(session.sid, room)
            self.sessions.set_rooms(session, rooms)

    # -- client messages

    async def relay(self, sid: str, data: Any) -> None:
        """``message {destUser, message, …}``: relayed whole to every socket of ``destUser``, in any process."""
        session = self.sessions.get(sid)
        payload = load(self._message_schema, data) if session is not None else None
        if payload is None:
            return
        sender = self.users.get(session.username)
        if sender is None:
            return
        if payload["message"] == "screenSharingStart" and not sender.can(SCREEN_SHARING_PERMISSION):
            logger.warning("websocket: screen sharing refused to {} (no {})", sender.username,
                           SCREEN_SHARING_PERMISSION)
            return
        dest = self.users.resolve(payload["destUser"])
        if dest is not None:
            await self.emit("message", data, to=user_room(dest.username), local=False)  # to every process

    # -- audiences, for other plugins

    def sids_of(self, username: str) -> list[str]:
        """Socket ids of the user's logged-in sockets in this process."""
        return [s.sid for s in self.sessions.of_user(username)]

    async def join_user(self, username: str, room: str) -> None:
        """Put every socket of the user (in this process) in ``room`` (e.g. a streaming source's)."""
        for sid in self.sids_of(username):
            await self.sio.enter_room(sid, room)

    async def leave_user(self, username: str, room: str) -> None:
        for sid in self.sids_of(username):
            await self.sio.leave_room(sid, room)

    def status(self) -> dict:
        return {"sockets": len(self.sessions), "waiting_login": len(self.sessions.pending),
                "users": len(self.sessions.usernames())}
