"""Users, passwords and conf.d for the api tests, and a probe plugin with routes of "another plugin"."""

import json

import pytest
from nethcti_auth.passwords import PasswordFile
from quart import Blueprint, g

from nethcti import hookimpl
from nethcti.testing import base_conf, write_conf
from nethcti.web import permission

PROFILES = {
    "1": {"id": "1", "name": "CTI", "macro_permissions": {
        "nethvoice_cti": {"value": True, "permissions": []},
        "settings": {"value": True, "permissions": [{"id": "2", "name": "dnd", "value": True}]},
        "presence_panel": {"value": True, "permissions": []},
    }},
}
USERS = {
    "alice": {"name": "Alice Rossi", "profile_id": "1", "endpoints": {
        "mainextension": {"201": {}}, "extension": {"201": {"type": "physical"}}}},
    "bob": {"name": "Bob Bianchi", "profile_id": "1", "endpoints": {
        "mainextension": {"202": {}}, "extension": {"202": {"type": "physical"}}}},
    "carol": {"name": "Carol Verdi", "profile_id": "1", "endpoints": {
        "mainextension": {"203": {}}, "extension": {"203": {"type": "physical"}}}},
    "dave": {"name": "Dave Neri", "profile_id": "1", "endpoints": {
        "mainextension": {"204": {}}, "extension": {"204": {"type": "physical"}}}},
}
PASSWORDS = {username: f"{username}-pw" for username in USERS}


def api_conf(directory, extra: str = ""):
    """conf.d: users (NethVoice files), database, auth, api; passwords on file."""
    (directory / "users.json").write_text(json.dumps(USERS))
    (directory / "profiles.json").write_text(json.dumps(PROFILES))
    passwords = PasswordFile(directory / "state" / "passwords")
    for username, password in PASSWORDS.items():
        passwords.set(username, password)
    conf_dir = base_conf(directory, f"""
        [users]
        enabled = true
        users_file = "{directory / 'users.json'}"
        profiles_file = "{directory / 'profiles.json'}"
        [database]
        enabled = true
        [auth]
        enabled = true
        [api]
        enabled = true
    """)
    write_conf(conf_dir, "60-extra.toml", extra)  # a later drop-in: its keys win
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
