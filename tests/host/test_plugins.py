"""Plugin discovery and gating: entry points, conf.d enabling, start-up failures with names, isolation."""

import sys

import pytest
from loguru import logger

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti.server import bootstrap
from nethcti.testing import base_conf, running_app, write_conf


async def test_enabled_third_party_plugin_answers(tmp_path, hello_installed):
    conf_dir = base_conf(tmp_path, '[hello]\nenabled = true\ngreeting = "hi"\n')
    async with running_app(conf_dir) as app:
        client = app.test_client()
        response = await client.get("/hello")
        assert response.status_code == 200
        assert await response.get_json() == {"greeting": "hi"}
        under_base = await client.get("/webrest/hello")
        assert await under_base.get_json() == {"greeting": "hi"}
        assert app.pm.versions["hello"] == "1.2.3"


async def test_disabled_plugin_is_never_imported_and_its_route_404s(tmp_path, hello_installed):
    conf_dir = base_conf(tmp_path, "[hello]\nenabled = false\n")
    async with running_app(conf_dir) as app:
        response = await app.test_client().get("/hello")
        assert response.status_code == 404
        assert (await response.get_json())["error_id"] == "not-found"
        assert app.pm.is_blocked("hello")
    assert "nethcti_hello.plugin" not in sys.modules


def test_enabled_but_not_installed_names_the_plugin_and_file(tmp_path):
    write_conf(tmp_path, "20-ghost.toml", "[ghost]\nenabled = true\n")
    with pytest.raises(StartupError, match=r"20-ghost\.toml: plugin 'ghost' is enabled but not installed"):
        bootstrap(tmp_path)


class Misspelled:
    @hookimpl
    def register_rotues(self):
        return []


def test_misspelled_hookimpl_stops_start_up(tmp_path):
    with pytest.raises(StartupError, match=r"plugin 'typo'.*register_rotues"):
        bootstrap(base_conf(tmp_path), [("typo", Misspelled())])


class NeedsAmi:
    requires = ("ami",)


def test_missing_required_plugin_is_named(tmp_path):
    with pytest.raises(StartupError, match="plugin 'needy' requires plugin 'ami', which is not enabled"):
        bootstrap(base_conf(tmp_path), [("needy", NeedsAmi())])


class NeedsDatabase:
    requires = ("database",)

    @hookimpl
    def register_database_tables(self):
        return []


def test_a_missing_required_plugin_is_named_before_its_hooks_are_checked(tmp_path):
    """The database plugin is installed but not enabled, so its hook is unknown; the missing plugin is the news."""
    with pytest.raises(StartupError, match="plugin 'notes' requires plugin 'database', which is not enabled"):
        bootstrap(base_conf(tmp_path), [("notes", NeedsDatabase())])


def test_presence_without_database_names_the_missing_plugin(tmp_path):
    conf_dir = base_conf(tmp_path, "".join(f"[{name}]\nenabled = true\n"
                                           for name in ("ami", "users", "auth", "astproxy", "presence")))
    with pytest.raises(StartupError, match="requires plugin 'database', which is not enabled"):
        bootstrap(conf_dir)


class LastLogout:
    @hookimpl
    async def ws_last_logout(self, app, user):
        pass


class OptionalLastLogout:
    @hookimpl(optionalhook=True)
    async def ws_last_logout(self, app, user):
        pass


def test_a_hook_of_a_disabled_plugin_says_what_to_do(tmp_path):
    before = set(sys.modules)
    with pytest.raises(StartupError) as refused:
        bootstrap(base_conf(tmp_path), [("rules", LastLogout())])
    message = str(refused.value)
    assert "plugin 'rules' implements hook 'ws_last_logout' of plugin 'websocket', which is not enabled" in message
    assert "@hookimpl(optionalhook=True)" in message
    assert not [m for m in set(sys.modules) - before if m.startswith("nethcti_websocket")], "read, never imported"


def test_an_optional_hook_of_a_disabled_plugin_starts(tmp_path):
    _settings, pm = bootstrap(base_conf(tmp_path), [("rules", OptionalLastLogout())])
    assert "rules" in pm.order


class Recorder:
    """Records the order in which lifecycle hooks reach it."""

    def __init__(self, name, calls, requires=()):
        self.name, self.calls, self.requires = name, calls, requires

    @hookimpl
    async def startup(self, app):
        self.calls.append(("startup", self.name))

    @hookimpl
    async def shutdown(self, app):
        self.calls.append(("shutdown", self.name))


async def test_start_up_follows_requires_and_shutdown_reverses_it(tmp_path):
    calls = []
    plugins = [("zeta", Recorder("zeta", calls, requires=("alpha",))), ("alpha", Recorder("alpha", calls))]
    async with running_app(base_conf(tmp_path), plugins):
        assert calls == [("startup", "alpha"), ("startup", "zeta")]
    assert calls[2:] == [("shutdown", "zeta"), ("shutdown", "alpha")]


def test_invalid_plugin_section_names_file_and_key(tmp_path, hello_installed):
    write_conf(tmp_path, "30-hello.toml", "[hello]\nenabled = true\ngreeting = 42\n")
    with pytest.raises(StartupError, match=r"30-hello\.toml: \[hello\] greeting: Not a valid string"):
        bootstrap(tmp_path)


async def test_failing_status_hook_is_isolated_and_logged_with_the_plugin_name(tmp_path, hello_installed):
    conf_dir = base_conf(tmp_path, '[hello]\nenabled = true\ngreeting = "explode"\n')
    lines = []
    sink = logger.add(lines.append, level="ERROR", format="{message}")
    try:
        async with running_app(conf_dir) as app:
            response = await app.test_client().get("/status")
            assert response.status_code == 200
            body = await response.get_json()
            hello = await app.test_client().get("/hello")  # the plugin's other parts keep working
            assert hello.status_code == 200
    finally:
        logger.remove(sink)
    assert body["status"] == "degraded"
    assert body["plugins"]["hello"]["ok"] is False
    assert any("plugin hello: hook collect_status failed" in line for line in lines)


class FailingStartup:
    @hookimpl
    async def startup(self, app):
        raise RuntimeError("cannot reach the PBX")


async def test_failing_start_up_names_the_plugin(tmp_path):
    calls = []
    # Quart's test lifespan wraps our StartupError; its message is what a sysadmin reads
    with pytest.raises(Exception, match=r"plugin 'broken': hook startup failed: .*cannot reach the PBX"):
        plugins = [("early", Recorder("early", calls)), ("broken", FailingStartup())]
        async with running_app(base_conf(tmp_path), plugins):
            pass
    assert ("shutdown", "early") in calls  # what had started is stopped again
