"""Failed logins are limited per user and per client address, with a clear 429."""

from nethcti.testing import running_app

LOGIN = "/authentication/login"


def from_address(address: str) -> dict:
    return {"scope_base": {"client": (address, 40000)}}


async def attempt(client, username, password, address="10.0.0.1", headers=None):
    return await client.post(LOGIN, json={"username": username, "password": password}, headers=headers or {},
                             **from_address(address))


async def test_failures_per_user_then_429(make_conf):
    async with running_app(make_conf("max_login_failures = 3\n")) as app:
        client = app.test_client()
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # spread over addresses: the user limit counts
            assert (await attempt(client, "alice", "wrong", address)).status_code == 401
        response = await attempt(client, "alice", "alice-pw", "10.0.0.4")  # even the right password waits
        assert response.status_code == 429
        body = await response.get_json()
        assert body["error_id"] == "too-many-login-failures"
        assert 0 < int(response.headers["Retry-After"]) <= 300 and body["details"]["retry_after"] > 0
        # the extension of the same user counts as the same user
        assert (await attempt(client, "201", "alice-pw", "10.0.0.5")).status_code == 429
        response = await attempt(client, "bob", "bob-pw", "10.0.0.5")  # others are not affected
        assert "WWW-Authenticate" in response.headers


async def test_failures_per_address_then_429(make_conf):
    async with running_app(make_conf("max_address_failures = 3\n")) as app:
        client = app.test_client()
        for username in ("alice", "bob", "nobody"):
            assert (await attempt(client, username, "wrong", "10.9.9.9")).status_code == 401
        assert (await attempt(client, "bob", "bob-pw", "10.9.9.9")).status_code == 429
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw", "10.9.9.10")).headers


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(make_conf):
    async with running_app(make_conf("max_address_failures = 2\n")) as app:
        client = app.test_client()
        for username in ("alice", "bob"):
            response = await attempt(client, username, "wrong", "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})
            assert response.status_code == 401
        response = await attempt(client, "bob", "bob-pw", "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})
        assert response.status_code == 429
        response = await attempt(client, "bob", "bob-pw", "127.0.0.1", {"X-Forwarded-For": "203.0.113.8"})
        assert "WWW-Authenticate" in response.headers
        # an untrusted peer cannot choose its address with the header
        for _ in range(2):
            await attempt(client, "nobody", "x", "198.51.100.1", {"X-Forwarded-For": "192.0.2.1"})
        response = await attempt(client, "bob", "bob-pw", "198.51.100.1", {"X-Forwarded-For": "192.0.2.2"})
        assert response.status_code == 429


async def test_a_good_login_clears_the_user_failures(make_conf):
    async with running_app(make_conf("max_login_failures = 2\n")) as app:
        client = app.test_client()
        assert (await attempt(client, "alice", "wrong")).status_code == 401
        assert "WWW-Authenticate" in (await attempt(client, "alice", "alice-pw")).headers
        assert (await attempt(client, "alice", "wrong")).status_code == 401
        assert "WWW-Authenticate" in (await attempt(client, "alice", "alice-pw")).headers
