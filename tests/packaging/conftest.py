"""The packaging tests: the .deb built once per session, installed on this machine, the container image definition."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.demopbx_fixtures import skip_or_fail

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "package: builds and installs the .deb (as root), lints the Containerfile")


@pytest.fixture(scope="session")
def built_deb(tmp_path_factory) -> Path:
    """packaging/build-deb's package, built from this tree into a temporary directory (dist/ is left alone)."""
    missing = [tool for tool in ("dpkg-deb", "/usr/bin/python3.11") if not shutil.which(tool)]
    if missing:
        skip_or_fail(f"building the .deb needs Debian 12's {', '.join(missing)}")
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([REPO / "packaging" / "build-deb", "--out", out], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=600)
    assert build.returncode == 0, f"packaging/build-deb failed:\n{build.stdout}{build.stderr}"
    (deb,) = out.glob("nethcti_*.deb")
    return deb
