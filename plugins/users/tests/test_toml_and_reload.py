"""Accounts written in conf.d for installs without NethVoice, and reloading without a restart."""

import json

import pytest

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti.server import reload
from nethcti.testing import base_conf, running_app, write_conf

TOML_USERS = """
    [users]
    enabled = true

    [users.profiles.standard]
    name = "Standard"
    permissions = ["settings.dnd", "phonebook", "presence_panel"]

    [users.accounts.Dave]
    name = "Dave Neri"
    profile = "standard"
    mainextension = 301
    extensions = ["302", { id = "92301", type = "webrtc", user = "92301", password = "pw" }]
    voicemail = "301"
    cellphone = ["3339876543"]
    email = "dave@example.com"

    [users.accounts.erin]
    mainextension = "305"
"""


async def test_accounts_and_profiles_from_toml(tmp_path):
    async with running_app(base_conf(tmp_path, TOML_USERS)) as app:
        users = app.extensions["users"]
        dave = users.resolve("DAVE")
        assert (dave.username, dave.name, dave.profile.name) == ("dave", "Dave Neri", "Standard")
        # the main extension is a physical phone even when not listed
        phones = [(e.id, e.type) for e in dave.extensions]
        assert phones == [("301", "physical"), ("302", "physical"), ("92301", "webrtc")]
        assert users.resolve("302") is dave and users.resolve("92301") is dave
        assert dave.voicemails == ("301",) and dave.emails == ("dave@example.com",)
        assert users.has_permission(dave, "settings")  # a listed permission turns its macro on
        assert users.has_permission(dave, "settings.dnd") and users.has_permission(dave, "presence_panel")
        assert not users.has_permission(dave, "presence_panel.spy")
        assert dave.profile.document["macro_permissions"]["settings"]["permissions"]["dnd"]["value"] is True
        erin = users.get("erin")
        assert erin.name == "erin" and erin.profile is None


async def test_toml_accounts_complete_the_nethvoice_files(tmp_path, nethvoice_files):
    users_file, profiles_file = nethvoice_files
    conf_dir = base_conf(tmp_path, f"""
        [users]
        enabled = true
        users_file = "{users_file}"
        profiles_file = "{profiles_file}"
        [users.accounts.frank]
        profile = "3"
        mainextension = "401"
    """)
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        assert users.get("frank").profile is users.get("alice").profile
        assert len(users) == 4


@pytest.mark.parametrize("extra, message", [
    ('[users.accounts.x]\nprofile = "nope"\n', "[users.accounts.x] profile 'nope' is not defined"),
    ('[users.accounts.alice]\nmainextension = "1"\n', "user 'alice' is defined twice"),
])
async def test_toml_mistakes_stop_start_up(tmp_path, nethvoice_files, extra, message):
    users_file, profiles_file = nethvoice_files
    conf_dir = base_conf(tmp_path, f'[users]\nenabled = true\nusers_file = "{users_file}"\n'
                                   f'profiles_file = "{profiles_file}"\n' + extra)
    with pytest.raises(Exception) as caught:
        async with running_app(conf_dir):
            pass
    assert message in str(caught.value)


async def test_bad_toml_values_name_the_key(tmp_path):
    conf_dir = base_conf(tmp_path, '[users]\nenabled = true\n[users.accounts.x]\n'
                                   'extensions = [{ id = "1", type = "fax" }]\n')
    with pytest.raises(StartupError, match=r"\[users\] accounts: .*Must be one of"):
        async with running_app(conf_dir):
            pass


class Listener:
    """A throwaway plugin implementing the users plugin's own hook."""

    def __init__(self):
        self.calls = 0

    @hookimpl
    async def users_reloaded(self, app):
        self.calls += 1


async def test_reload_rereads_users_json_and_conf_d(conf_dir, nethvoice_files):
    users_file, _ = nethvoice_files
    listener = Listener()
    async with running_app(conf_dir, extra_plugins=[("listener", listener)]) as app:
        users = app.extensions["users"]
        assert users.get("dave") is None
        document = json.loads(users_file.read_text())
        document["dave"] = {"name": "Dave", "profile_id": "1", "endpoints": {"mainextension": {"301": {}}}}
        del document["carol"]
        users_file.write_text(json.dumps(document))
        write_conf(conf_dir, "60-privacy.toml", '[users]\nprivacy_numbers = "##"\n')

        await reload(app)

        assert users.resolve("301").username == "dave"
        assert users.get("carol") is None and users.by_extension("203") is None
        assert users.mask_number("12345") == "123##"
        await app.hooks_idle()
        assert listener.calls == 1


async def test_a_broken_file_on_reload_keeps_the_previous_users(conf_dir, nethvoice_files):
    users_file, _ = nethvoice_files
    listener = Listener()
    async with running_app(conf_dir, extra_plugins=[("listener", listener)]) as app:
        alice = app.extensions["users"].get("alice")
        users_file.write_text("{ truncated")
        await reload(app)
        assert app.extensions["users"].get("alice") is alice
        assert listener.calls == 0
