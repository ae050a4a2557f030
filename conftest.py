"""Repository-wide pytest set-up: the demo PBX fixtures are available to every test directory."""

pytest_plugins = ["tests.demopbx_fixtures"]
