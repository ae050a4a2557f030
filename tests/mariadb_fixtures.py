"""pytest fixtures for a real, private MariaDB (loaded by the repository's conftest.py).

* ``mariadb``  session-scoped :class:`tests.mariadb.PrivateMariaDB`; ``mariadb.create_database(name)``
               gives a fresh empty database's ``mysql+asyncmy://`` URL, so tests never share tables.

Without Debian's ``mariadb-server`` installed the tests are skipped, except with ``CI=true``, where
that is a failure (scripts/setup installs it).
"""

from __future__ import annotations

import pytest

from tests.demopbx_fixtures import skip_or_fail
from tests.mariadb import PrivateMariaDB, missing_binaries


def require_mariadb() -> None:
    missing = missing_binaries()
    if missing:
        skip_or_fail(f"MariaDB unavailable: {', '.join(missing)} not installed (apt-get install mariadb-server)")


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """One private MariaDB server for the whole run."""
    require_mariadb()
    server = PrivateMariaDB(tmp_path_factory.mktemp("mariadb"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
