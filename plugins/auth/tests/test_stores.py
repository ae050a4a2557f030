"""The in-memory stores and the passwords file, with a fake clock: bounded, expiring, constant-time checks."""

from nethcti_auth.passwords import PasswordFile, hash_password, verify_password
from nethcti_auth.ratelimit import FailureLimiter, TokenBuckets
from nethcti_auth.tokens import Grants


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_grants_slide_and_expire():
    clock = Clock()
    grants = Grants(timeout=10, unused_timeout=5, clock=clock)
    grants.add("alice", "t1")
    clock.now += 4
    assert grants.use("alice", "t1")  # first use within the nonce timeout
    clock.now += 9
    assert grants.use("alice", "t1")  # 13 s after login, 9 s after the last use
    clock.now += 11
    assert not grants.use("alice", "t1")
    assert len(grants) == 0


def test_unused_grants_are_bounded_and_die_early():
    clock = Clock()
    grants = Grants(timeout=3600, unused_timeout=60, clock=clock, max_unused=3, max_per_login=2)
    for n in range(4):
        grants.add(f"user{n}", "t")
    assert not grants.use("user0", "t")  # the oldest never-used grant made room
    assert grants.use("user3", "t")
    grants.add("user3", "a")
    grants.add("user3", "b")  # at most 2 per login: the one expiring first goes
    assert len(grants._grants["user3"]) == 2
    clock.now += 61
    assert grants.purge() == 3  # user1, user2 and user3's unused "b" never used in time
    assert grants.use("user3", "t")
    assert not grants.revoke("user3", "zzz") and grants.revoke("user3", "t")


def test_failure_limiter_window_and_bound():
    clock = Clock()
    limiter = FailureLimiter(limit=2, window=100, clock=clock, max_keys=2)
    limiter.failed("a")
    assert limiter.retry_after("a") == 0
    clock.now += 10
    limiter.failed("a")
    assert limiter.retry_after("a") == 90
    clock.now += 91
    assert limiter.retry_after("a") == 0  # the first failure left the window
    limiter.failed("b")
    limiter.failed("c")
    limiter.failed("d")
    assert set(limiter._failures) == {"c", "d"}


def test_token_buckets_burst_refill_and_bound():
    clock = Clock()
    buckets = TokenBuckets(rate=2, burst=3, clock=clock, max_keys=2)
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back
    assert [buckets.allow("a") for _ in range(2)] == [True, False]
    clock.now += 60  # full again, never more than the burst
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    buckets.allow("b")
    buckets.allow("c")
    assert set(buckets._buckets) == {"b", "c"}  # "a" forgotten: it would start full


def test_password_hashes_are_salted_scrypt(tmp_path):
    first, second = hash_password("secret"), hash_password("secret")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert verify_password("secret", first) and not verify_password("Secret", first)
    assert not verify_password("secret", None) and not verify_password("secret", "md5$abc")

    passwords = PasswordFile(tmp_path / "passwords")
    assert not passwords.check("alice", "secret")
    passwords.set("alice", "secret")
    assert passwords.check("alice", "secret")
    assert oct((tmp_path / "passwords").stat().st_mode & 0o777) == "0o600"
    assert "secret" not in (tmp_path / "passwords").read_text()
    PasswordFile(tmp_path / "passwords").set("alice", "changed")  # another process (the CLI)
    assert passwords.check("alice", "changed") and not passwords.check("alice", "secret")
    assert passwords.delete("alice") and not passwords.check("alice", "changed")
