"""``nethcti doctor`` for the websocket plugin: the Redis server of redis_url answers (a private redis-server)."""

import shutil

import pytest
from nethcti_websocket.doctor import redis_findings
from nethcti_websocket.testing import PrivateRedis, free_port

from tests.demopbx_fixtures import skip_or_fail


@pytest.fixture
async def redis_port(tmp_path):
    """A private redis-server on loopback that wants the password ``doctor-pw``."""
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    async with PrivateRedis(tmp_path, password="doctor-pw") as server:
        yield server.port


async def test_no_redis_url_no_check():
    assert await redis_findings({"redis_url": ""}) == []


async def test_a_redis_that_answers(redis_port):
    (finding,) = await redis_findings({"redis_url": f"redis://:doctor-pw@127.0.0.1:{redis_port}/0"})
    assert finding.ok and finding.check == f"Redis at 127.0.0.1:{redis_port} answers"


async def test_a_wrong_password(redis_port):
    (finding,) = await redis_findings({"redis_url": f"redis://:not-it@127.0.0.1:{redis_port}/0"})
    assert not finding.ok and "AuthenticationError" in finding.problem and "not-it" not in finding.problem
    assert "fix [websocket] redis_url" in finding.fix


async def test_nothing_listening():
    port = free_port()
    (finding,) = await redis_findings({"redis_url": f"redis://127.0.0.1:{port}/0"})
    assert not finding.ok and finding.problem.startswith(f"Redis at 127.0.0.1:{port}: ConnectionError")
    assert "start Redis" in finding.fix
