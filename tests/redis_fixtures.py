"""The ``private_redis`` fixture: a private redis-server on a loopback port for one test (``PrivateRedis`` of
nethcti_websocket.testing), stopped after it; missing redis-server or redis package: skip, or fail in CI.

Loaded for every test directory by the repository's conftest.py.
"""

import pytest

from tests.demopbx_fixtures import skip_or_fail


@pytest.fixture
async def private_redis(tmp_path):
    from nethcti_websocket.testing import PrivateRedis

    if (missing := PrivateRedis.missing()) is not None:
        skip_or_fail(missing)
    async with PrivateRedis(tmp_path) as server:
        yield server
