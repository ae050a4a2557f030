"""Several processes, one service (``[websocket] redis_url``): the shared state in Redis (session tokens, login
failures, request rates, the sockets of each user, messages between processes) and python-socketio's Redis manager,
with a timeout on every Redis call and a subscription that is back within a fraction of a second of Redis.

While Redis is down or does not answer, each process goes on alone with what it keeps itself (its own grants, rate
buckets, failure counts and sockets: ``nethcti_auth.shared.LocalState``), /status says ``degraded``, and what it has
to tell the other processes is dropped at once rather than waited for. When Redis answers again, each process puts its
sockets back and forgets its caches of tokens that another process may have revoked meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio
from loguru import logger
from nethcti_auth.shared import (
    Handler,
    LocalGrants,
    LocalLimiter,
    LocalRateLimiter,
    LocalSockets,
    LocalState,
    SocketEntry,
)
from nethcti_auth.tokens import token_digest
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import MaxConnectionsError, RedisError
from redis.exceptions import TimeoutError as RedisTimeout

from nethcti.websocket import DirectEmitManager

RETRY_DELAY = 0.25  # seconds between attempts to subscribe again: python-socketio's own backoff grows to 60 s
IDLE_WAIT = 0.5  # seconds a subscription waits for a message before looking at the link again
MIN_HEARTBEAT_TTL = 5.0  # seconds: a process silent this long is dead; its sockets stop counting
# connections per process: calls beyond wait for one (within the timeout) rather than open more; a thousand
# logins at once then queue here instead of each opening a connection (redis-py's default pool refuses past 100)
MAX_CONNECTIONS = 32

# The user's sockets after adding or removing one, in one step (no other process in between, so exactly one
# of two simultaneous logins is the first, and one of two simultaneous closes the last); sockets of a process
# whose heartbeat key is gone (crashed, or cut off from Redis) are dropped on the way.
SOCKETS_SCRIPT = """
if ARGV[1] == 'add' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
elseif ARGV[1] == 'remove' then redis.call('HDEL', KEYS[1], ARGV[2]) end
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  local process = string.match(all[i + 1], '^(%S+)')
  if process and redis.call('EXISTS', ARGV[4] .. process) == 1 then
    table.insert(live, all[i]); table.insert(live, all[i + 1])
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return live
"""
# A grant is valid for the login it was granted to; using it slides its expiry.
USE_GRANT_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
"""

# A token bucket (tokens left, when) taken from in one step, on Redis's clock (so the hosts' clocks do not matter);
# the key expires when the bucket would be full again, which is the same as no key.
TAKE_TOKEN_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(bucket[1]) or burst, tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1)
return allowed
"""


class Unavailable(Exception):
    """Redis did not answer within the timeout, or refused."""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisState:
    """The SharedState of ``nethcti_auth.shared`` in Redis; ``app.extensions[SHARED_STATE]``.

    Keys start with ``<channel>:``, so one Redis may serve several services with different channels.
    """

    def __init__(self, url: str, channel: str, *, timeout: float = 1.0, check_interval: float = 1.0,
                 client: aioredis.Redis | None = None):
        self.url, self.channel, self.timeout, self.check_interval = url, channel, timeout, check_interval
        self.prefix = f"{channel}:"
        self.messages_channel = f"{channel}:cluster"
        self.process = uuid.uuid4().hex[:12]
        self.heartbeat_ttl = max(MIN_HEARTBEAT_TTL, 5 * check_interval)
        # no retries of redis-py's own (its default retries 10 times with a growing backoff): a call that
        # fails, fails within ``timeout``, and the process goes on alone
        self.client = client or aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=timeout, socket_timeout=timeout,
            socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)))
        self.local = LocalState(self.process)
        self.sockets = RedisSockets(self, self.local.sockets)
        self.up = False
        self.changed_at = time.monotonic()
        self.last_error = "not checked yet"
        self.dropped = 0  # messages for the other processes dropped while the link was down
        self.generation = 0  # bumped when the link comes back: every subscription subscribes again
        self.unsynced_deletes: set[str] = set()  # keys deleted here while Redis did not answer (logouts)
        self._handlers: dict[str, list[Handler]] = {}
        self._sockets_script = self.client.register_script(SOCKETS_SCRIPT)
        self._use_grant_script = self.client.register_script(USE_GRANT_SCRIPT)
        self._take_token_script = self.client.register_script(TAKE_TOKEN_SCRIPT)

    # -- the SharedState interface

    def grants(self, timeout: float, unused_timeout: float) -> RedisGrants:
        return RedisGrants(self, self.local.grants(timeout, unused_timeout), timeout, unused_timeout)

    def limiter(self, name: str, limit: int, window: float, *, distinct: bool = False) -> RedisLimiter:
        return RedisLimiter(self, self.local.limiter(name, limit, window, distinct=distinct), name, limit, window,
                            distinct)

    def rate_limiter(self, name: str, rate: float, burst: int) -> RedisRateLimiter:
        return RedisRateLimiter(self, self.local.rate_limiter(name, rate, burst), name, rate, burst)

    async def publish(self, kind: str, data: dict) -> None:
        if not self.up:
            self.dropped += 1
            return
        message = json.dumps({"kind": kind, "from": self.process, "data": data})
        try:
            await self.call(lambda redis: redis.publish(self.messages_channel, message))
        except Unavailable:
            self.dropped += 1

    def subscribe(self, kind: str, handler: Handler) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def status(self) -> dict:
        report = {"backend": "redis", "ok": self.up, "link": "up" if self.up else "down",
                  "url": _without_password(self.url), "channel": self.channel, "process": self.process,
                  "for_seconds": round(time.monotonic() - self.changed_at, 1), "dropped_messages": self.dropped}
        if not self.up:
            report["error"] = self.last_error
        return report

    # -- the link

    async def call(self, command: Callable[[aioredis.Redis], Awaitable[Any]], *, probe: bool = False) -> Any:
        """``await command(client)`` within ``timeout``; Unavailable when it fails.

        A refused or lost connection marks the link down at once; a call that merely took too long does not (this
        process's own event loop may be the slow one): the heartbeat decides then. While the link is down only the
        heartbeat (``probe``) tries: the others fail at once instead of each waiting for a Redis that does not
        answer.
        """
        if not self.up and not probe:
            raise Unavailable(self.last_error)
        try:
            async with asyncio.timeout(self.timeout):
                return await command(self.client)
        except (RedisError, OSError, TimeoutError) as exc:
            if probe or not isinstance(exc, TimeoutError | RedisTimeout | MaxConnectionsError):
                self.link_down(exc)
            raise Unavailable(str(exc) or exc.__class__.__name__) from None

    def link_down(self, exc: BaseException) -> None:
        self.last_error = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        if self.up:
            self.up, self.changed_at = False, time.monotonic()
            logger.warning("websocket: Redis {} not answering ({}): each process goes on alone",
                           _without_password(self.url), self.last_error)

    async def check(self) -> bool:
        """The heartbeat: this process is alive for ``heartbeat_ttl`` seconds; the link is up when Redis says so."""
        key = f"{self.prefix}process:{self.process}"
        try:
            await self.call(lambda redis: redis.set(key, "1", px=_ms(self.heartbeat_ttl)), probe=True)
        except Unavailable:
            return False
        if not self.up:
            await self._link_back()
        return True

    async def _link_back(self) -> None:
        down_for = time.monotonic() - self.changed_at
        self.up, self.changed_at = True, time.monotonic()
        self.generation += 1
        logger.info("websocket: Redis {} answers (after {:.1f} s): shared state and fan-out resume",
                    _without_password(self.url), down_for)
        await self.sockets.resync()
        with contextlib.suppress(Unavailable):
            for key in list(self.unsynced_deletes):  # a logout during the outage must not come back to life
                await self.call(lambda redis, key=key: redis.delete(key))
                self.unsynced_deletes.discard(key)
        await self._dispatch("resync", {})

    async def heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval)
            await self.check()

    async def listen_forever(self) -> None:
        """The other processes' messages, each to the handlers of its kind."""
        async for raw in self.messages(self.messages_channel):
            try:
                message = json.loads(raw)
                kind, sender, data = message["kind"], message["from"], message["data"]
            except (ValueError, KeyError, TypeError):
                logger.warning("websocket: malformed message on Redis channel {!r} dropped", self.messages_channel)
                continue
            if sender != self.process and isinstance(data, dict):
                await self._dispatch(str(kind), data)

    async def _dispatch(self, kind: str, data: dict) -> None:
        for handler in self._handlers.get(kind, ()):
            try:
                await handler(data)
            except Exception as exc:
                logger.opt(exception=exc).error("websocket: handler of cluster message {!r} failed", kind)

    async def messages(self, channel: str) -> AsyncIterator[bytes]:
        """What is published on ``channel``, forever: subscribed again ``RETRY_DELAY`` after a failure, and at
        once when the heartbeat finds the link back (a connection to a Redis that stopped answering need not fail).
        """
        failing = False
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            generation = self.generation
            try:
                async with asyncio.timeout(self.timeout):
                    await pubsub.subscribe(channel)
                if failing:
                    logger.info("websocket: subscribed to Redis channel {!r} again", channel)
                    await self.check()  # Redis is back: say so now rather than at the next heartbeat
                    generation = self.generation
                failing = False
                while generation == self.generation:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=IDLE_WAIT)
                    if message is not None and message.get("type") == "message":
                        yield message["data"]
            except (RedisError, OSError, TimeoutError) as exc:
                if not failing:
                    logger.warning("websocket: Redis channel {!r} lost ({}); subscribing again every {} s", channel,
                                   exc.__class__.__name__, RETRY_DELAY)
                failing = True
                if not isinstance(exc, TimeoutError | RedisTimeout):  # a timeout: the heartbeat decides
                    self.link_down(exc)
                await asyncio.sleep(RETRY_DELAY)
            finally:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(self.timeout):
                        await pubsub.aclose()

    async def start(self) -> None:
        """The first heartbeat, so /status is right from the start (Redis unreachable: degraded, not a failure)."""
        if not await self.check():
            logger.warning("websocket: Redis {} unreachable at start-up ({}): degraded until it answers",
                           _without_password(self.url), self.last_error)

    async def close(self) -> None:
        """This process is gone: its sockets stop counting at once, not when its heartbeat expires."""
        with contextlib.suppress(Unavailable):
            await self.call(lambda redis: redis.delete(f"{self.prefix}process:{self.process}"))
        with contextlib.suppress(Exception):
            await self.client.aclose()


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    _credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{'***@' if at else ''}{host}" if sep else url


class RedisGrants:
    """Session tokens as Redis keys with a TTL (``<channel>:grant:<token digest>`` = login); a copy of the grants
    this process made is kept in memory and answers while Redis does not."""

    def __init__(self, state: RedisState, local: LocalGrants, timeout: float, unused_timeout: float):
        self.state, self.local, self.timeout, self.unused_timeout = state, local, timeout, unused_timeout

    def _key(self, token: str) -> str:
        return f"{self.state.prefix}grant:{token_digest(token)}"

    async def add(self, login: str, token: str) -> None:
        await self.local.add(login, token)
        ttl = _ms(min(self.unused_timeout, self.timeout))
        with contextlib.suppress(Unavailable):
            await self.state.call(lambda redis: redis.set(self._key(token), login, px=ttl))

    async def use(self, login: str, token: str) -> bool:
        local = await self.local.use(login, token)
        try:
            used = await self.state.call(lambda redis: self.state._use_grant_script(
                keys=[self._key(token)], args=[login, _ms(self.timeout)], client=redis))
        except Unavailable:
            return local
        return bool(used)

    async def revoke(self, login: str, token: str) -> bool:
        local = await self.local.revoke(login, token)
        try:
            key = self._key(token)
            found = await self.state.call(lambda redis: redis.get(key))
            if found is None or found.decode() != login:
                return local
            await self.state.call(lambda redis: redis.delete(key))
            return True
        except Unavailable:
            if local:
                self.state.unsynced_deletes.add(self._key(token))
            return local

    def forget(self, login: str, digest: str) -> None:
        self.local.forget(login, digest)

    def purge(self) -> None:
        self.local.purge()  # Redis forgets expired keys itself

    def size(self) -> int | None:
        return None


class RedisLimiter:
    """Failures in a sliding window as a sorted set per key (member: a failure, or a login; score: when); the
    same counts are kept in memory and answer while Redis does not. Clocks are the hosts' (NTP) wall clocks."""

    def __init__(self, state: RedisState, local: LocalLimiter, name: str, limit: int, window: float, distinct: bool):
        self.state, self.local, self.name = state, local, name
        self.limit, self.window, self.distinct = limit, window, distinct

    def _key(self, key: str) -> str:
        return f"{self.state.prefix}failures:{self.name}:{key}"

    async def retry_after(self, key: str) -> float:
        name, now = self._key(key), time.time()

        async def read(redis):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(name, "-inf", now - self.window)
                pipe.zrange(name, 0, 0, withscores=True)
                pipe.zcard(name)
                return await pipe.execute()

        try:
            _removed, oldest, count = await self.state.call(read)
        except Unavailable:
            return await self.local.retry_after(key)
        if count < self.limit or not oldest:
            return 0.0
        return max(0.0, oldest[0][1] + self.window - now)

    async def failed(self, key: str, member: str = "") -> None:
        await self.local.failed(key, member)
        name, now = self._key(key), time.time()
        member = member if self.distinct else f"{now}:{secrets.token_hex(4)}"

        async def add(redis):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.zadd(name, {member: now})
                pipe.zremrangebyrank(name, 0, -(self.limit + 1))  # the most recent ``limit`` are enough
                pipe.pexpire(name, _ms(self.window))
                return await pipe.execute()

        with contextlib.suppress(Unavailable):
            await self.state.call(add)

    async def reset(self, key: str) -> None:
        await self.local.reset(key)
        with contextlib.suppress(Unavailable):
            await self.state.call(lambda redis: redis.delete(self._key(key)))

    def purge(self) -> None:
        self.local.purge()


class RedisRateLimiter:
    """A token bucket per key in Redis (``<channel>:rate:<name>:<key>``); this process's own requests also go
    through buckets in memory, which answer while Redis does not (each process then allows the rate alone)."""

    def __init__(self, state: RedisState, local: LocalRateLimiter, name: str, rate: float, burst: int):
        self.state, self.local, self.name, self.rate, self.burst = state, local, name, rate, burst

    async def allow(self, key: str) -> bool:
        allowed_here = await self.local.allow(key)
        try:
            return bool(await self.state.call(lambda redis: self.state._take_token_script(
                keys=[f"{self.state.prefix}rate:{self.name}:{key}"], args=[self.rate, self.burst], client=redis)))
        except Unavailable:
            return allowed_here


class RedisSockets:
    """The sockets of each user in every process (``<channel>:sockets:<username>``: socket id -> "process uaType");
    this process's own are also kept in memory: they answer while Redis does not, and are put back after."""

    def __init__(self, state: RedisState, local: LocalSockets):
        self.state, self.local = state, local
        self._unsynced: set[tuple[str, str]] = set()  # (username, sid) removed here while Redis did not answer

    async def _run(self, op: str, username: str, sid: str = "", ua_type: str | None = None) -> list[SocketEntry]:
        value = f"{self.state.process} {ua_type or ''}"
        raw = await self.state.call(lambda redis: self.state._sockets_script(
            keys=[f"{self.state.prefix}sockets:{username}"],
            args=[op, sid, value, f"{self.state.prefix}process:"], client=redis))
        entries = []
        for i in range(0, len(raw), 2):
            process, _, ua = raw[i + 1].decode().partition(" ")
            entries.append(SocketEntry(raw[i].decode(), ua or None, process))
        return entries

    async def add(self, username: str, sid: str, ua_type: str | None) -> list[SocketEntry]:
        local = self.local.add_now(username, sid, ua_type)
        try:
            return await self._run("add", username, sid, ua_type)
        except Unavailable:
            return local

    async def remove(self, username: str, sid: str) -> list[SocketEntry]:
        local = self.local.remove_now(username, sid)
        try:
            return await self._run("remove", username, sid)
        except Unavailable:
            self._unsynced.add((username, sid))
            return local

    async def of_user(self, username: str) -> list[SocketEntry]:
        try:
            return await self._run("list", username)
        except Unavailable:
            return self.local.of_user_now(username)

    async def resync(self) -> None:
        """After an outage: the sockets closed meanwhile are removed, this process's open ones put back."""
        try:
            for username, sid in list(self._unsynced):
                await self._run("remove", username, sid)
                self._unsynced.discard((username, sid))
            for username, entry in self.local.items():
                await self._run("add", username, entry.sid, entry.ua_type)
        except Unavailable:
            pass  # down again: the next time it is back


class ClusterRedisManager(socketio.AsyncRedisManager, DirectEmitManager):
    """python-socketio's Redis manager on the RedisState's client: every publish within the timeout (dropped at
    once while the link is down), and a subscription that comes back with Redis instead of after python-socketio's
    backoff (1, 2, 4 … 60 s between attempts: fan-out resumed 30-60 s after Redis did). Its local share of every
    emit (PBX events, and what arrives from the other processes) is delivered as without Redis (DirectEmitManager,
    listed after it: python-socketio's own emit costs 5x the CPU per call at 1000 sockets, bench/cluster.py)."""

    def __init__(self, state: RedisState, channel: str):
        super().__init__(state.url, channel=channel)
        self.state = state
        self._redis_connect()

    def _redis_connect(self):
        self.redis = self.state.client
        self.pubsub = None  # each subscription of RedisState.messages has its own
        self.connected = True

    async def _publish(self, data):
        if not self.state.up:
            self.state.dropped += 1
            return None
        try:
            return await self.state.call(lambda redis: redis.publish(self.channel, self.json.dumps(data)))
        except Unavailable:
            self.state.dropped += 1
            return None

    async def _listen(self):
        async for data in self.state.messages(self.channel):
            yield data
