"""Several processes, one service (docs/cluster.md): the /api per-address rate limit of two apps on one private
redis-server holds for both together, not for each; while Redis is down, each process limits alone."""

from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from nethcti_api.testing import api_login, bearer

from nethcti.testing import running_app

from .conftest import api_conf

# a token every 10 s: no refill while the test runs, however slow the machine
CLUSTER = """
[api]
rate_limit = 0.1
rate_limit_burst = 5
[websocket]
enabled = true
redis_url = "{url}"
redis_channel = "api-cluster-test"
redis_timeout = 0.5
"""


@pytest.fixture
def two_processes(tmp_path, private_redis, probe):
    """``async with two_processes() as clients``: (test client, alice's bearer headers) of two apps on one Redis;
    the two logins took a token each."""

    @asynccontextmanager
    async def start():
        async with AsyncExitStack() as stack:
            clients = []
            for name in ("one", "two"):
                app = await stack.enter_async_context(running_app(
                    api_conf(tmp_path / name, CLUSTER.format(url=private_redis.url)), extra_plugins=[("probe", probe)]))
                client = app.test_client()
                clients.append((client, bearer(await api_login(client, "alice", "alice-pw"))))
            yield clients

    return start


async def statuses(requests) -> list[int]:
    return [(await client.get("/api/user/me", headers=headers)).status_code for client, headers in requests]


async def test_the_per_address_rate_limit_holds_across_processes(two_processes):
    async with two_processes() as clients:
        # 5 at once for the address in the whole service: 2 logins and 3 requests; alone, each would allow 5
        assert await statuses(clients * 3) == [200, 200, 200, 429, 429, 429]
        client, headers = clients[1]
        response = await client.get("/api/user/me", headers=headers)
        assert response.status_code == 429 and (await response.get_json())["error_id"] == "rate-limited"


async def test_while_redis_is_down_each_process_limits_alone(two_processes, private_redis):
    async with two_processes() as clients:
        private_redis.stop()
        # each process's own buckets: 5 at once, its login included
        assert await statuses(clients * 5) == [200] * 8 + [429, 429]
