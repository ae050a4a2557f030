"""Host test fixtures: a throwaway plugin package, built and installed into a private site dir."""

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HELLO_PLUGIN = '''
"""A throwaway third-party plugin, as a sysadmin would pip-install it."""
from marshmallow import Schema, fields
from quart import Blueprint, current_app

from nethcti import hookimpl

blueprint = Blueprint("hello", __name__)


@blueprint.get("/hello")
async def hello():
    return {"greeting": current_app.plugin_config("hello")["greeting"]}


class HelloSchema(Schema):
    greeting = fields.String(load_default="ciao")


@hookimpl
def register_config_schema():
    return HelloSchema


@hookimpl
def register_routes():
    return blueprint


@hookimpl
async def startup(app):
    if app.plugin_config("hello")["greeting"] == "refuse":
        raise RuntimeError("hello refuses to start")


@hookimpl
def collect_status(app):
    if app.plugin_config("hello")["greeting"] == "explode":
        raise RuntimeError("status probe exploded")
    return {"greeting": app.plugin_config("hello")["greeting"]}
'''


@pytest.fixture(scope="session")
def hello_site(tmp_path_factory) -> Path:
    """A directory holding the installed ``nethcti-hello`` distribution (entry point ``hello``)."""
    source = tmp_path_factory.mktemp("hello-src")
    (source / "nethcti_hello").mkdir()
    (source / "nethcti_hello" / "__init__.py").write_text("")
    (source / "nethcti_hello" / "plugin.py").write_text(HELLO_PLUGIN)
    (source / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "nethcti-hello"
        version = "1.2.3"
        [project.entry-points."nethcti.plugins"]
        hello = "nethcti_hello.plugin"
        [tool.setuptools]
        packages = ["nethcti_hello"]
    """))
    site = tmp_path_factory.mktemp("hello-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(source)],
        check=True, capture_output=True,
    )
    return site


@pytest.fixture
def hello_installed(hello_site, monkeypatch):
    """The throwaway plugin is installed (on sys.path) for this test only."""
    monkeypatch.syspath_prepend(str(hello_site))
    importlib.invalidate_caches()
    yield hello_site
    for name in [m for m in sys.modules if m.startswith("nethcti_hello")]:
        del sys.modules[name]
