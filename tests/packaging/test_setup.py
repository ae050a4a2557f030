"""scripts/setup with nothing to do (scripts/test has just run it): quick, and one line on the terminal."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tests.demopbx_fixtures import skip_or_fail

REPO = Path(__file__).resolve().parents[2]


def projects_digest() -> str:
    """What scripts/setup keeps in .venv/.setup-stamp: ``sha256sum`` of every pyproject.toml."""
    files = [REPO / "pyproject.toml", *sorted(REPO.glob("plugins/*/pyproject.toml"))]
    return "\n".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(REPO)}" for f in files)


def test_setup_with_nothing_to_do_says_one_line():
    stamp = REPO / ".venv" / ".setup-stamp"
    if not stamp.exists() or stamp.read_text().strip() != projects_digest():
        # Here scripts/setup would reinstall into the venv running this test. scripts/test runs it first, so in
        # CI this is a failure: the stamp it writes is not the one it checks.
        skip_or_fail("a pyproject.toml changed since scripts/setup last ran: run scripts/setup (or scripts/test)")
    setup = subprocess.run([REPO / "scripts" / "setup"], capture_output=True, text=True, timeout=300,
                           stdin=subprocess.DEVNULL)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    lines = (setup.stdout + setup.stderr).splitlines()
    assert len(lines) == 1 and lines[0].startswith("setup: ready (nethcti "), lines
