"""Failed logins are limited per user at an address, per user, and per address for many users, with a clear 429."""

import asyncio
import json

from nethcti.testing import running_app

LOGIN = "/authentication/login"


def from_address(address: str) -> dict:
    return {"scope_base": {"client": (address, 40000)}}


async def attempt(client, username, password, address="10.0.0.1", headers=None):
    return await client.post(LOGIN, json={"username": username, "password": password}, headers=headers or {},
                             **from_address(address))


async def test_failures_of_a_user_at_an_address_then_429(make_conf):
    async with running_app(make_conf("max_login_failures = 3\n")) as app:
        client = app.test_client()
        for _ in range(3):
            assert (await attempt(client, "alice", "wrong", "10.0.0.1")).status_code == 401
        response = await attempt(client, "alice", "alice-pw", "10.0.0.1")  # even the right password waits
        assert response.status_code == 429
        body = await response.get_json()
        assert body["error_id"] == "too-many-login-failures"
        assert 0 < int(response.headers["Retry-After"]) <= 300 and body["details"]["retry_after"] > 0
        # the extension of the same user counts as the same user
        assert (await attempt(client, "201", "alice-pw", "10.0.0.1")).status_code == 429
        # the rest of the office behind that address is not locked out, nor is alice elsewhere
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw", "10.0.0.1")).headers
        assert "WWW-Authenticate" in (await attempt(client, "alice", "alice-pw", "10.0.0.2")).headers


async def test_failures_of_a_user_from_many_addresses_then_429(make_conf):
    async with running_app(make_conf("max_login_failures = 3\nmax_user_failures = 4\n")) as app:
        client = app.test_client()
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
            assert (await attempt(client, "alice", "wrong", address)).status_code == 401
        assert (await attempt(client, "alice", "alice-pw", "10.0.0.5")).status_code == 429
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw", "10.0.0.5")).headers


async def test_a_burst_of_one_user_is_counted_before_its_checks(make_conf):
    """200 concurrent wrong passwords: only the first max_login_failures reach the password check."""
    async with running_app(make_conf("max_login_failures = 5\n")) as app:
        checked = []
        backend = app.extensions["auth"].backend
        real_check = backend.check

        async def counting_check(user, login, password):
            checked.append(login)
            return await real_check(user, login, password)

        backend.check = counting_check
        client = app.test_client()
        answers = await asyncio.gather(*(attempt(client, "alice", "wrong") for _ in range(200)))
        statuses = [answer.status_code for answer in answers]
        assert len(checked) == 5
        assert statuses.count(401) == 5 and statuses.count(429) == 195
        # the burst did not lock out the other users behind that address
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw")).headers


async def test_password_checks_run_a_bounded_number_at_a_time(make_conf):
    """A login flood queues for the hash (16 MiB of memory each) instead of running all at once."""
    async with running_app(make_conf("max_concurrent_checks = 2\nmax_user_failures = 1000\n")) as app:
        running, peak = 0, 0
        backend = app.extensions["auth"].backend

        async def slow_check(user, login, password):
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1
            return password == "alice-pw"

        backend.check = slow_check
        client = app.test_client()
        addresses = [f"10.1.{n // 200}.{n % 200}" for n in range(40)]
        answers = await asyncio.gather(*(attempt(client, "alice", "alice-pw", address) for address in addresses))
        assert all("WWW-Authenticate" in answer.headers for answer in answers)
        assert peak == 2


async def test_many_users_failing_from_one_address_then_429(make_conf):
    async with running_app(make_conf("max_address_failures = 3\n")) as app:
        client = app.test_client()
        for _ in range(4):  # one user's typos do not count as many users
            assert (await attempt(client, "alice", "wrong", "10.9.9.9")).status_code == 401
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw", "10.9.9.9")).headers
        for username in ("bob", "nobody"):  # a third different user: password spraying
            assert (await attempt(client, username, "wrong", "10.9.9.9")).status_code == 401
        assert (await attempt(client, "bob", "bob-pw", "10.9.9.9")).status_code == 429
        assert "WWW-Authenticate" in (await attempt(client, "bob", "bob-pw", "10.9.9.10")).headers


async def test_a_spray_queued_behind_the_checks_stops_when_enough_failed(make_conf, tmp_path):
    conf = make_conf("max_address_failures = 5\nmax_concurrent_checks = 1\n")
    users = {f"user{n}": {"name": f"User {n}", "profile_id": "3", "endpoints": {"mainextension": {f"3{n:02}": {}}}}
             for n in range(40)}
    (tmp_path / "users.json").write_text(json.dumps(users))
    async with running_app(conf) as app:
        client = app.test_client()
        answers = await asyncio.gather(*(attempt(client, username, "wrong", "10.7.7.7") for username in users))
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(401) == 5 and statuses.count(429) == 35


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
        for username in ("nobody", "somebody"):
            await attempt(client, username, "x", "198.51.100.1", {"X-Forwarded-For": "192.0.2.1"})
        response = await attempt(client, "bob", "bob-pw", "198.51.100.1", {"X-Forwarded-For": "192.0.2.2"})
        assert response.status_code == 429


async def test_a_good_login_clears_the_user_failures(make_conf):
    async with running_app(make_conf("max_login_failures = 2\n")) as app:
        client = app.test_client()
        assert (await attempt(client, "alice", "wrong")).status_code == 401
        assert "WWW-Authenticate" in (await attempt(client, "alice", "alice-pw")).headers
        assert (await attempt(client, "alice", "wrong")).status_code == 401
        assert "WWW-Authenticate" in (await attempt(client, "alice", "alice-pw")).headers
