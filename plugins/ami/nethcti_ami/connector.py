"""Keeps the AMI link up: connect, log in, wait for FullyBooted, ping; on loss, reconnect forever with back-off.

panoramisk's Manager reconnects at a fixed pace, logs every failed attempt and replays queued actions
after a reconnect; we want capped exponential back-off, one log line per change, and no replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from loguru import logger

from nethcti_ami.config import Target
from nethcti_ami.errors import AMIUnavailable
from nethcti_ami.meter import RateMeter
from nethcti_ami.protocol import AMIProtocol


class State(StrEnum):
    DOWN = "down"
    CONNECTING = "connecting"
    LOGGING_IN = "logging-in"
    BOOTING = "waiting-fully-booted"
    UP = "up"


class SessionFailed(Exception):
    """An attempt ended before the link was up; ``kind`` tells a new problem from the same one again."""

    level = "WARNING"

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


class LoginRefused(SessionFailed):
    level = "ERROR"


class Backoff:
    """Capped exponential back-off with jitter: attempt n waits between cap/2 and cap, cap = min(max, min*2^n)."""

    def __init__(self, minimum: float, maximum: float, rng: Callable[[], float] = random.random):
        self.minimum, self.maximum, self.rng = minimum, maximum, rng
        self.attempt = 0

    def next(self) -> float:
        cap = min(self.maximum, self.minimum * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return cap / 2 + self.rng() * cap / 2

    def reset(self) -> None:
        self.attempt = 0


class Connector:
    """Owns the one AMI session; ``run()`` is the supervising task, ``protocol`` is set while connected."""

    def __init__(
        self,
        target: Target,
        on_event: Callable,
        *,
        on_up: Callable[[], Awaitable[None]],
        on_down: Callable[[], Awaitable[None]],
        action_timeout: float,
        backoff: Backoff,
        ping_interval: float,
        boot_warning: float = 30.0,
    ):
        self.target = target
        self.on_event, self.on_up, self.on_down = on_event, on_up, on_down
        self.action_timeout = action_timeout
        self.backoff = backoff
        self.ping_interval = ping_interval
        self.boot_warning = boot_warning
        self.meter = RateMeter()
        self.state = State.DOWN
        self.protocol: AMIProtocol | None = None
        self.ami_version: str | None = None
        self.asterisk_version: str | None = None
        self.up_since: float | None = None  # monotonic
        self.up_since_wall: float | None = None
        self.link_ups = 0
        self.failed_attempts = 0  # since the link was last up
        self.last_error: str | None = None
        self._logged_problem: str | None = None  # kind of the problem last logged: log a repeat only once
        self._wake = asyncio.Event()

    @property
    def up(self) -> bool:
        """Logged in, FullyBooted seen, and the connection not closed (not even a moment ago)."""
        return self.state is State.UP and self.protocol is not None and not self.protocol.closed.done()

    async def run(self) -> None:
        """Forever: one session, then a back-off sleep; cancel the task to stop."""
        target = self.target
        logger.info("AMI: connecting to {} as {!r} (from {})", target.address, target.username, target.source)
        while True:
            try:
                await self._session()
            except SessionFailed as exc:
                self._attempt_failed(exc)
            except Exception as exc:  # a bug here must not end the reconnect loop
                logger.opt(exception=exc).error("AMI: session crashed: {!r}", exc)
                self._attempt_failed(SessionFailed(f"internal error: {exc!r}", "crash"))
            delay = self.backoff.next()
            logger.debug("AMI: next attempt in {:.2f} s", delay)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    def retarget(self, target: Target) -> None:
        """Use a new address or credentials (reload): drop the current session and connect again now."""
        if target == self.target:
            return
        logger.info("AMI: target changed to {} as {!r}; reconnecting", target.address, target.username)
        self.target, self._logged_problem = target, None
        if self.protocol is not None:
            self.protocol.close("reconnecting to the new AMI target")
        self._wake.set()

    # -- one session
    async def _session(self) -> None:
        target = self.target
        loop = asyncio.get_running_loop()
        self.state = State.CONNECTING
        try:
            # asyncio.timeout, never wait_for: on Python 3.11, wait_for returns the result of an awaitable that
            # completes as the task is cancelled, and the cancellation is lost (a stop right after start hung)
            async with asyncio.timeout(self.action_timeout):
                _transport, protocol = await loop.create_connection(
                    lambda: AMIProtocol(self.on_event, self.meter), target.host, target.port
                )
        except TimeoutError:
            self.state = State.DOWN
            what = f"no connection within {self.action_timeout:g} s"
            raise SessionFailed(f"AMI {target.address}: {what}", "timeout") from None
        except OSError as exc:
            self.state = State.DOWN
            raise SessionFailed(f"AMI {target.address} unreachable: {exc.strerror or exc}", f"os-{exc.errno}") from None

        self.protocol = protocol
        was_up = cancelled = False
        try:
            self.state = State.LOGGING_IN
            login = {"Action": "Login", "Username": target.username, "Secret": target.secret, "Events": "on"}
            reply = await self._ask(protocol, login)
            if reply.response != "Success":
                why = reply.message or reply.response or "no reason given"
                raise LoginRefused(
                    f"AMI login to {target.address} as {target.username!r} refused: {why} "
                    f"(check the username and secret in {target.source})",
                    "login",
                )
            self.state = State.BOOTING
            await self._fully_booted(protocol)
            settings = await self._ask(protocol, {"Action": "CoreSettings"})
            self.ami_version = protocol.ami_version or settings.get("AMIversion") or None
            self.asterisk_version = settings.get("AsteriskVersion") or None
            self._link_up()
            was_up = True
            await self.on_up()
            await self._keep_alive(protocol)
            reason = protocol.closed.result()
            logger.warning("AMI link to {} lost: {}; reconnecting", target.address, reason)
            self.last_error, self._logged_problem = f"link lost: {reason}", "lost"
        except asyncio.CancelledError:
            cancelled = True
            if not protocol.closed.done():
                protocol.send({"Action": "Logoff"}, track=False)
            protocol.close("nethcti is stopping")
            raise
        finally:
            protocol.close("session ended")
            self.protocol, self.state, self.up_since, self.up_since_wall = None, State.DOWN, None, None
            if was_up and not cancelled:
                await self.on_down()

    async def _ask(self, protocol: AMIProtocol, fields: dict):
        action = protocol.send(fields)
        try:
            async with asyncio.timeout(self.action_timeout):  # not wait_for: see _session
                return await action.future
        except TimeoutError:
            what = f"no answer to {fields['Action']} within {self.action_timeout:g} s"
            raise SessionFailed(f"AMI {self.target.address}: {what}", "timeout") from None
        except AMIUnavailable:
            what = f"connection closed: {protocol.closed.result()}"
            raise SessionFailed(f"AMI {self.target.address}: {what}", "closed") from None
        finally:
            protocol.forget(action)

    async def _fully_booted(self, protocol: AMIProtocol) -> None:
        either = {protocol.booted, protocol.closed}
        done, _ = await asyncio.wait(either, timeout=self.boot_warning, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            logger.warning(
                "AMI: logged in to {} but no FullyBooted after {:g} s: Asterisk is still booting, "
                "or the AMI user lacks read class 'system'; waiting",
                self.target.address, self.boot_warning,
            )
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not protocol.booted.done():
            what = f"closed before FullyBooted: {protocol.closed.result()}"
            raise SessionFailed(f"AMI {self.target.address}: {what}", "closed")

    async def _keep_alive(self, protocol: AMIProtocol) -> None:
        """Return when the session ends; a Ping without answer ends it (a half-open TCP link)."""
        while True:
            done, _ = await asyncio.wait({protocol.closed}, timeout=self.ping_interval or None)
            if done:
                return
            try:
                await self._ask(protocol, {"Action": "Ping"})
            except SessionFailed as exc:
                protocol.close(str(exc))

    def _link_up(self) -> None:
        self.state = State.UP
        self.up_since, self.up_since_wall = time.monotonic(), time.time()
        self.link_ups += 1
        self.failed_attempts, self.last_error, self._logged_problem = 0, None, None
        self.backoff.reset()
        logger.info(
            "AMI link up: {} as {!r} (Asterisk {}, AMI {})",
            self.target.address, self.target.username, self.asterisk_version or "?", self.ami_version or "?",
        )

    def _attempt_failed(self, exc: SessionFailed) -> None:
        self.failed_attempts += 1
        self.last_error = str(exc)
        if exc.kind == self._logged_problem:
            logger.debug("AMI: {} (attempt {})", exc, self.failed_attempts)
            return
        self._logged_problem = exc.kind
        logger.log(exc.level, "{}; retrying with back-off (at most every {:g} s)", exc, self.backoff.maximum)
