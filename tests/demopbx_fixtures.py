"""pytest fixtures for the demo PBX (a real, private Asterisk 16 + sipp).

Load with ``pytest_plugins = ["tests.demopbx_fixtures"]`` in tests/conftest.py
(or ``-p tests.demopbx_fixtures``).

* ``demo_pbx``       session-scoped, one PBX for the whole run; state (AstDB,
                     queue members, calls) is shared, so clean up after yourself
                     or use ``demo_pbx_clean``.
* ``demo_pbx_clean`` the session PBX after :meth:`DemoPBX.reset` (no calls,
                     no DND/CF, no dynamic queue members).
* ``fresh_pbx``      function-scoped private instance, for tests that kill,
                     restart or reconfigure Asterisk.

When asterisk or sipp is missing the tests are skipped, except with
``CI=true`` in the environment, where they fail.
"""

from __future__ import annotations

import os

import pytest

from demopbx import DemoPBX, missing_binaries


def pytest_configure(config):
    config.addinivalue_line("markers", "live: needs a real Asterisk (the demo PBX: scripts/pbx install)")


def skip_or_fail(reason: str) -> None:
    """A missing test dependency skips the test on a developer's machine and fails it in CI (``CI=true``)."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def require_pbx() -> None:
    missing = missing_binaries()
    if missing:
        skip_or_fail(f"demo PBX unavailable: {', '.join(missing)} not installed (run scripts/pbx install)")


def _start(workdir) -> DemoPBX:
    pbx = DemoPBX(workdir)
    pbx.start(timeout=20)
    return pbx


@pytest.fixture(scope="session")
def demo_pbx(tmp_path_factory):
    """One demo PBX for the whole session (free loopback ports)."""
    require_pbx()
    pbx = _start(tmp_path_factory.mktemp("demopbx"))
    try:
        yield pbx
    finally:
        pbx.stop()


@pytest.fixture
def demo_pbx_clean(demo_pbx):
    """The session PBX, reset to the sample state before the test."""
    if not demo_pbx.is_running:  # a test killed it: bring it back
        demo_pbx.start(timeout=20)
    demo_pbx.reset()
    return demo_pbx


@pytest.fixture
def fresh_pbx(tmp_path_factory):
    """A private demo PBX for one test; stopped (or killed) afterwards."""
    require_pbx()
    pbx = _start(tmp_path_factory.mktemp("freshpbx"))
    try:
        yield pbx
    finally:
        pbx.stop()
