"""Repository-wide pytest set-up: the demo PBX, MariaDB and Redis fixtures are available to every test directory."""

pytest_plugins = ["tests.demopbx_fixtures", "tests.mariadb_fixtures", "tests.redis_fixtures"]
