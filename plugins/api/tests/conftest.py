"""Users, passwords and conf.d for the api tests, and a probe plugin with routes of "another plugin"."""

import pytest
from quart import Blueprint, g

from nethcti import hookimpl
from nethcti.testing import users_conf, write_conf
from nethcti.web import permission

# one profile with the client's own permission, so phone-island's and the web client's checks pass
USERS_TOML = """
[users]
enabled = true

[users.profiles."1"]
name = "CTI"
permissions = ["nethvoice_cti", "settings.dnd", "presence_panel"]
""" + "".join(f"""
[users.accounts.{username}]
name = "{name}"
profile = "1"
mainextension = "{exten}"
""" for username, name, exten in [("alice", "Alice Rossi", "201"), ("bob", "Bob Bianchi", "202"),
                                  ("carol", "Carol Verdi", "203"), ("dave", "Dave Neri", "204")])
PASSWORDS = {username: f"{username}-pw" for username in ("alice", "bob", "carol", "dave")}


def api_conf(directory, extra: str = ""):
    """conf.d: users, database, auth and api, passwords on file; ``extra`` in a later drop-in (its keys win)."""
    conf_dir = users_conf(directory, "[api]\nenabled = true\n", users=USERS_TOML, passwords=PASSWORDS)
    write_conf(conf_dir, "70-extra.toml", extra)
    return conf_dir


@pytest.fixture
def conf_dir(tmp_path):
    return api_conf(tmp_path)


@pytest.fixture
def make_conf(tmp_path):
    return lambda extra="": api_conf(tmp_path, extra)


probe_routes = Blueprint("probe", __name__)


@probe_routes.get("/user/me")
async def me():
    """What phone-island's mode detection asks (the presence plugin serves the real one; live tests use it)."""
    return {"username": g.user.username, "login": g.login}


@probe_routes.get("/probe/dnd")
@permission("settings.dnd")
async def dnd():
    return {"username": g.user.username}


@probe_routes.get("/probe/spy")
@permission("presence_panel.spy")
async def spy():
    return {"spying": True}


class Probe:
    """A throwaway plugin: routes of "another plugin", and a listener of token revocations."""

    def __init__(self):
        self.revoked = []

    @hookimpl
    def register_routes(self):
        return probe_routes

    @hookimpl
    async def token_revoked(self, app, login, digest):
        self.revoked.append((login, digest))


@pytest.fixture
def probe():
    return Probe()
