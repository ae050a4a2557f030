"""docs/writing-plugins.md works as written: its package is built from the guide's own files, installed, and
the guide's test is run against it, so neither the example plugin nor its test can rot."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-plugins.md"


def guide_files() -> dict[str, str]:
    """The files the guide gives in full: a line "`path`:", a blank line, then a fenced block."""
    return dict(re.findall(r"^`([\w./-]+)`:\n\n```\w+\n(.*?)^```", GUIDE.read_text(), re.M | re.S))


def test_the_guide_gives_the_package_and_its_test():
    assert set(guide_files()) == {"pyproject.toml", "nethcti_weather/plugin.py", "tests/test_weather.py"}


def test_the_guides_plugin_passes_the_guides_test(tmp_path):
    package = tmp_path / "nethcti-weather"
    for name, text in {**guide_files(), "nethcti_weather/__init__.py": ""}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(site), str(package)], check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=package,
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout[-1000:]


def examples_of_testing_md() -> list[str]:
    blocks = re.findall(r"^```python\n(.*?)^```", (ROOT / "docs" / "testing.md").read_text(), re.M | re.S)
    return [block for block in blocks if "async def test_" in block]


def test_testing_md_has_examples():
    assert len(examples_of_testing_md()) >= 4


@pytest.mark.parametrize("index", range(4))
async def test_every_example_of_testing_md_passes(tmp_path, index):
    namespace = {"__name__": f"testing_md_example_{index}"}
    exec(compile(examples_of_testing_md()[index], f"docs/testing.md example {index + 1}", "exec"), namespace)
    [test] = [value for name, value in namespace.items() if name.startswith("test_")]
    await test(tmp_path)


def test_every_name_of_nethcti_testing_is_documented():
    import nethcti.testing

    text = (ROOT / "docs" / "testing.md").read_text()
    for name in nethcti.testing.__all__:
        assert f"`{name}" in text, f"docs/testing.md does not document nethcti.testing.{name}"


def test_every_name_of_the_plugin_api_is_documented():
    import nethcti

    text = GUIDE.read_text()
    for name in set(nethcti.__all__) - {"__version__"}:
        assert f"`{name}`" in text, f"docs/writing-plugins.md does not list nethcti.{name}"
