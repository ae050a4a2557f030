"""The docs are guarded: every hook, error id, conf.d key and plugin is documented."""

import inspect
import re
from pathlib import Path

import pytest

from nethcti import hookspecs as host_hookspecs
from nethcti.config import ServerSchema
from nethcti.errors import APIError
from nethcti.plugins import installed_plugins

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = {name: ep.load() for name, ep in installed_plugins().items() if (ROOT / "plugins" / name).is_dir()}


def hook_names(specs) -> set[str]:
    return {name for name, obj in vars(specs).items() if hasattr(obj, "nethcti_spec")}


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_hook_has_a_section_with_an_example():
    text = (ROOT / "docs" / "hooks.md").read_text()
    names = hook_names(host_hookspecs)
    for plugin in PLUGINS.values():
        if getattr(plugin, "hookspecs", None) is not None:
            names |= hook_names(plugin.hookspecs)
    for name in sorted(names):
        section = re.search(rf"^### {name}\n(.*?)(?=^### |\Z)", text, re.S | re.M)
        assert section, f"docs/hooks.md has no section for hook {name}"
        assert "```python" in section.group(1), f"docs/hooks.md: hook {name} has no example"


def test_every_hookspec_has_a_one_line_docstring():
    for name in hook_names(host_hookspecs):
        doc = inspect.getdoc(getattr(host_hookspecs, name))
        assert doc and "\n" not in doc, name


def test_every_error_id_is_listed():
    text = (ROOT / "docs" / "errors.md").read_text()
    for cls in all_subclasses(APIError):
        if cls.__module__.startswith(("nethcti", "nethcti_")) and "tests" not in cls.__module__:
            assert f"`{cls.error_id}`" in text, f"docs/errors.md lacks {cls.error_id} ({cls.__qualname__})"


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_every_conf_key_is_in_the_plugin_sample(name):
    plugin = PLUGINS[name]
    schema_hook = getattr(plugin, "register_config_schema", None)
    samples = list((ROOT / "conf.d").glob(f"*-{name}.toml"))
    assert samples, f"conf.d has no sample drop-in for plugin {name}"
    text = samples[0].read_text()
    assert re.search(rf"^\[{name}\]$", text, re.M) and "enabled = true" in text
    if schema_hook is None:
        return
    schema = schema_hook()
    for key in (schema() if isinstance(schema, type) else schema).fields:
        assert re.search(rf"\b{key}\b", text), f"{samples[0].name} does not document [{name}] {key}"


def test_server_keys_are_documented():
    text = (ROOT / "docs" / "configuration.md").read_text() + (ROOT / "conf.d" / "00-server.toml").read_text()
    for key in ServerSchema().fields:
        assert f"`{key}`" in text and key in (ROOT / "conf.d" / "00-server.toml").read_text(), key


def test_readme_lists_every_plugin():
    readme = (ROOT / "README.md").read_text()
    for name in PLUGINS:
        assert f"| `{name}` |" in readme, f"README.md does not list plugin {name}"


def test_the_password_backend_interface_is_the_same_in_the_code_and_every_doc():
    from nethcti_auth.backends import PasswordBackend

    check = PasswordBackend.check
    assert inspect.iscoroutinefunction(check)
    signature = f"async def check({', '.join(inspect.signature(check).parameters)}) -> bool"
    for doc in ("hooks.md", "authentication.md"):
        text = (ROOT / "docs" / doc).read_text()
        assert signature in text, f"docs/{doc} does not give the password backend as `{signature}`"
        assert "async verify(" not in text, f"docs/{doc} still names a verify() backend method"
