"""Users, passwords and a probe plugin for the auth tests."""

import json

import pytest
from nethcti_auth.passwords import PasswordFile
from quart import Blueprint, g

from nethcti import hookimpl
from nethcti.testing import base_conf
from nethcti.web import permission, public

PROFILES = {
    "3": {"id": "3", "name": "Advanced", "macro_permissions": {
        "settings": {"value": True, "permissions": [{"id": "2", "name": "dnd", "value": True}]},
        "presence_panel": {"value": True, "permissions": [{"id": "15", "name": "spy", "value": False}]},
        "phonebook": {"value": True, "permissions": []},
    }},
}
USERS = {
    "alice": {"name": "Alice Rossi", "profile_id": "3", "endpoints": {
        "mainextension": {"201": {}},
        "extension": {"201": {"type": "physical"}, "92201": {"type": "webrtc", "user": "92201", "password": "x"}},
    }},
    "bob": {"name": "Bob Bianchi", "profile_id": "3", "endpoints": {"mainextension": {"202": {}}}},
    "carol": {"name": "Carol Verdi", "endpoints": {"mainextension": {"203": {}}}},  # no profile: not configured
}
PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw"}


def auth_conf(tmp_path, extra: str = ""):
    """conf.d with users (NethVoice files), database and auth; passwords set in the default passwords file."""
    (tmp_path / "users.json").write_text(json.dumps(USERS))
    (tmp_path / "profiles.json").write_text(json.dumps(PROFILES))
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for username, password in PASSWORDS.items():
        passwords.set(username, password)
    return base_conf(tmp_path, f"""
        [users]
        enabled = true
        users_file = "{tmp_path / 'users.json'}"
        profiles_file = "{tmp_path / 'profiles.json'}"
        [database]
        enabled = true
        [auth]
        enabled = true
    """ + extra)


@pytest.fixture
def conf_dir(tmp_path):
    return auth_conf(tmp_path)


@pytest.fixture
def make_conf(tmp_path):
    """``make_conf(extra_toml)``: the same conf.d with more settings (``[auth]`` keys go first)."""
    return lambda extra="": auth_conf(tmp_path, extra)


probe_routes = Blueprint("probe", __name__)


@probe_routes.get("/probe/whoami")
async def whoami():
    return {"username": g.user.username, "login": g.login}


@probe_routes.get("/probe/dnd")
@permission("settings.dnd")
async def dnd():
    return {"username": g.user.username}


@probe_routes.get("/probe/spy")
@permission("presence_panel.spy")
async def spy():
    return {"spying": True}


@probe_routes.get("/probe/phonebook")
@permission("phonebook")
async def phonebook():
    return {"macro": True}


@probe_routes.get("/probe/open")
@public
async def open_view():
    return {"open": True}


class Probe:
    """A throwaway plugin: routes declaring their access, and a listener of token revocations."""

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
