"""The users service as plugins use it: lookups, permissions, ownership, privacy, loaded from NethVoice files."""

import pytest

from nethcti.testing import base_conf, running_app


async def test_users_and_endpoints_come_from_users_json(conf_dir):
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice = users.get("alice")
        assert alice.name == "Alice Rossi"
        assert alice.mainextension == "201"
        # the extension of type "virtual" is skipped, as the original does
        assert [(e.id, e.type) for e in alice.extensions] == [("201", "physical"), ("92201", "webrtc")]
        webrtc = alice.extension("92201")
        assert (webrtc.user, webrtc.password) == ("92201", "sipsecret")
        assert alice.extension("201").mac == "00:11:22:33:44:55"
        assert alice.voicemails == ("201",)
        assert alice.cellphones == ("3331234567",)
        assert alice.emails == ("alice@example.com",)
        assert alice.jabbers == ("alice@example.com",)
        assert "sipsecret" not in repr(alice)
        assert sorted(u.username for u in users) == ["alice", "bob", "carol"]  # keys lower-cased
        assert len(users) == 3 and "BOB" in users


async def test_a_login_string_resolves_to_its_user(conf_dir):
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice = users.get("alice")
        for login in ["alice", "ALICE", "201", "92201", "alice@example.com", "Alice@NethServer.local"]:
            assert users.resolve(login) is alice, login
        assert users.resolve("Bob").username == "bob"
        for login in ["93201", "nobody", "201@example.com", "", "@"]:
            assert users.resolve(login) is None, login
        assert users.by_extension("92201") is alice
        assert users.by_extension("999") is None


async def test_permissions_follow_the_profile(conf_dir):
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice, bob, carol = users.get("alice"), users.get("bob"), users.get("carol")
        assert users.has_permission(alice, "settings")
        assert users.has_permission(alice, "settings.dnd")
        assert not users.has_permission(alice, "settings.call_forward")  # permission off
        assert not users.has_permission(alice, "presence_panel.spy")  # its macro is off
        assert not users.has_permission(alice, "presence_panel")
        assert users.has_permission(alice, "customer_card.cc_identity")
        assert users.has_permission(alice, "phonebook")
        assert not users.has_permission(alice, "cdr")
        assert alice.can("settings.dnd") and not bob.can("settings.dnd")
        assert carol.profile is None and not users.has_permission(carol, "settings")


async def test_profile_document_has_the_shape_user_me_returns(conf_dir):
    async with running_app(conf_dir) as app:
        profile = app.extensions["users"].get("alice").profile
        assert (profile.id, profile.name) == ("3", "Advanced")
        macros = profile.document["macro_permissions"]
        assert macros["settings"]["permissions"]["dnd"] == {"id": "2", "name": "dnd", "value": True}
        assert list(macros["customer_card"]["permissions"]) == ["30"]  # keyed by id, as the original
        assert profile.document["outbound_routes_permissions"][0]["name"] == "national"
        assert app.extensions["users"].profile("1").name == "Base"


async def test_ownership(conf_dir):
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice = users.get("alice")
        assert users.owns_extension(alice, "201") and users.owns_extension(alice, "92201")
        assert not users.owns_extension(alice, "202") and not users.owns_extension(alice, "93201")
        assert users.owns_voicemail(alice, "201") and not users.owns_voicemail(alice, "202")
        assert users.owns_cellphone(alice, "3331234567") and not users.owns_cellphone(alice, "3330000000")


async def test_privacy_masking(conf_dir):
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice, bob, carol = users.get("alice"), users.get("bob"), users.get("carol")
        assert users.mask_number("3331234567") == "3331234xxx"
        assert users.mask_number("12") == "xxx"
        assert users.mask_number("") == ""
        assert users.mask_name("Bob Bianchi") == "xxx"
        assert not users.privacy_applies(alice)  # settings.privacy off
        assert users.privacy_applies(bob)
        assert not users.privacy_applies(bob, "202")  # own extensions are never masked
        assert users.privacy_applies(bob, "201")
        assert users.privacy_applies(carol)  # no profile: masked, as the original


async def test_a_plugin_shows_numbers_and_names_as_each_viewer_may_see_them(conf_dir):
    """The one call a plugin makes before sending a number to a user (docs/users.md, Privacy)."""
    async with running_app(conf_dir) as app:
        users = app.extensions["users"]
        alice, bob, carol = users.get("alice"), users.get("bob"), users.get("carol")
        assert users.shown_number(alice, "3331234567") == "3331234567"  # no settings.privacy: in clear
        assert users.shown_number(bob, "3331234567") == "3331234xxx"
        assert users.shown_number(bob, "0721201", exten="201") == "0721xxx"  # not their extension
        assert users.shown_number(bob, "202", exten="202") == "202"  # their own extension
        assert users.shown_number(carol, "") == ""
        assert users.shown_name(bob, "Alice Rossi") == "xxx" and users.shown_name(alice, "Bob") == "Bob"
        assert users.shown_name(bob, "") == ""


async def test_privacy_string_is_configurable(tmp_path, nethvoice_files):
    users_file, profiles_file = nethvoice_files
    conf_dir = base_conf(tmp_path, f"""
        [users]
        enabled = true
        users_file = "{users_file}"
        profiles_file = "{profiles_file}"
        privacy_numbers = "****"
    """)
    async with running_app(conf_dir) as app:
        assert app.extensions["users"].mask_number("0612345678") == "061234****"


async def test_status_reports_the_counts(conf_dir):
    async with running_app(conf_dir) as app:
        response = await app.test_client().get("/status")
        report = (await response.get_json())["plugins"]["users"]
        assert report["ok"] and report["users"] == 3 and report["profiles"] == 2


async def startup_failure(conf_dir) -> str:
    """The message start-up fails with (Quart's test lifespan wraps the StartupError)."""
    with pytest.raises(Exception) as caught:
        async with running_app(conf_dir):
            pass
    return str(caught.value)


@pytest.mark.parametrize("broken, message", [
    ("{not json", "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"alice": 3}', "user 'alice' is not an object"),
])
async def test_a_broken_users_file_stops_start_up_with_its_name(tmp_path, nethvoice_files, broken, message):
    users_file, _ = nethvoice_files
    users_file.write_text(broken)
    conf_dir = base_conf(tmp_path, f'[users]\nenabled = true\nusers_file = "{users_file}"\n')
    failure = await startup_failure(conf_dir)
    assert f"[users] {users_file}" in failure and message in failure


async def test_a_missing_file_stops_start_up(tmp_path):
    conf_dir = base_conf(tmp_path, f'[users]\nenabled = true\nprofiles_file = "{tmp_path}/nope.json"\n')
    assert "nope.json: cannot read" in await startup_failure(conf_dir)
