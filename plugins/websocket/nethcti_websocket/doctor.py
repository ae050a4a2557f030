"""``nethcti doctor`` for the websocket plugin: the Redis server of ``redis_url`` answers, when one is set."""

from __future__ import annotations

from nethcti import Finding

TIMEOUT = 5.0  # seconds to connect and to answer


async def redis_findings(config: dict) -> list[Finding]:
    url = config["redis_url"]
    if not url:
        return []
    try:
        import redis.asyncio as redis
        from redis.exceptions import RedisError
    except ImportError:
        return [Finding("the redis package is installed", "redis_url is set but the redis package is missing",
                        "pip install 'nethcti-websocket[redis]'")]
    try:
        client = redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    except ValueError as exc:
        return [Finding("redis_url is a Redis URL", str(exc), "redis_url = \"redis://host:6379/0\"")]
    shown = client.connection_pool.connection_kwargs
    where = f"Redis at {shown.get('host', shown.get('path', '?'))}:{shown.get('port', '')}".rstrip(":")
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        return [Finding(f"{where} answers", f"{where}: {type(exc).__name__}: {exc}",
                        "start Redis, or fix [websocket] redis_url (host, port, password)")]
    finally:
        await client.aclose()
    return [Finding(f"{where} answers")]
