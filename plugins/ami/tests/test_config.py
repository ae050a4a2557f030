"""Where the AMI credentials come from: [ami] (secret_file too) or NethVoice's asterisk.json; reload."""

import json

import pytest
from nethcti_ami.testing import AMIProbe, FakeAMI, ami_conf, wait_until

from nethcti.errors import StartupError
from nethcti.server import bootstrap, reload
from nethcti.testing import base_conf, running_app


async def test_secret_file(tmp_path):
    (tmp_path / "ami.secret").write_text("from-a-file\n")
    conf = base_conf(tmp_path, f'[ami]\nenabled = true\nusername = "cti"\nsecret_file = "{tmp_path / "ami.secret"}"\n')
    async with FakeAMI("cti", "from-a-file") as pbx:
        conf.joinpath("60-port.toml").write_text(f"[ami]\nport = {pbx.port}\n")
        async with running_app(conf) as app:
            assert await app.extensions["ami"].wait_connected(5)
        settings, _pm = bootstrap(conf)
        assert settings.redacted()["ami"]["secret"] == "********"


async def test_asterisk_json_gives_credentials_and_address_and_reload_rereads_it(tmp_path):
    probe = AMIProbe()
    async with FakeAMI("proxycti", "s3cret") as first, FakeAMI("proxycti", "other") as second:
        asterisk_json = tmp_path / "asterisk.json"
        nethvoice = {"user": "proxycti", "pass": "s3cret", "host": "127.0.0.1", "port": str(first.port),
                     "prefix": "", "auto_c2c": "disabled", "trunks_events": "enabled"}
        asterisk_json.write_text(json.dumps(nethvoice))
        conf = base_conf(tmp_path, f'[ami]\nenabled = true\nasterisk_json = "{asterisk_json}"\nreconnect_min = 0.05\n')
        async with running_app(conf, extra_plugins=[("probe", probe)]) as app:
            await wait_until(lambda: probe.connected == 1, "logged in with the file's credentials")
            assert app.extensions["ami"].status()["address"] == f"127.0.0.1:{first.port}"
            asterisk_json.write_text(json.dumps(nethvoice | {"pass": "other", "port": second.port}))
            await reload(app)
            await wait_until(lambda: probe.connected == 2, "logged in to the new target")
            assert second.logins == 1 and first.logins == 1
            asterisk_json.write_text("{broken")
            await reload(app)  # logged, the current link is kept
            assert app.extensions["ami"].connected


@pytest.mark.parametrize(("section", "problem"), [
    ('username = "cti"', r"\[ami\] secret: secret required"),
    ('asterisk_json = "/x.json"\nusername = "cti"', r"\[ami\] asterisk_json: set either username/secret"),
    ('username = "cti"\nsecret = "x"\nreconnect_min = 20', r"\[ami\] reconnect_min: must not be greater"),
])
def test_bad_sections_stop_startup_naming_the_key(tmp_path, section, problem):
    with pytest.raises(StartupError, match=problem):
        bootstrap(base_conf(tmp_path, f"[ami]\nenabled = true\n{section}\n"))


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot read"),
    ("{not json", "is not valid JSON"),
    ('{"user": "proxycti"}', "has no 'pass'"),
    ('{"user": "u", "pass": "p", "port": "fifty"}', "port 'fifty' is not a number"),
])
async def test_a_bad_asterisk_json_stops_startup_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "asterisk.json"
    if content is not None:
        path.write_text(content)
    conf = base_conf(tmp_path, f'[ami]\nenabled = true\nasterisk_json = "{path}"\n')
    with pytest.raises(StartupError, match=f"asterisk_json: .*{problem}") as stopped:
        async with running_app(conf):
            pass
    assert str(path) in str(stopped.value)


def test_defaults_live_in_the_schema(tmp_path):
    settings, _pm = bootstrap(ami_conf(tmp_path, 5038))
    assert settings.plugin("ami") == {
        "host": "127.0.0.1", "port": 5038, "username": "nethcti", "secret": "secret", "asterisk_json": None,
        "action_timeout": 10.0, "reconnect_min": 0.5, "reconnect_max": 10.0, "ping_interval": 20.0,
        "queue_size": 10000,
    }
