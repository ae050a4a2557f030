"""The shipped conf.d drop-in is valid and names every key of [astproxy]."""

import re
import tomllib
from pathlib import Path

import pytest
from marshmallow import ValidationError
from nethcti_astproxy.schemas import AstproxySchema

SAMPLE = Path(__file__).parents[3] / "conf.d" / "50-astproxy.toml"  # the shipped samples live in the top-level conf.d


def test_the_sample_validates():
    section = tomllib.loads(SAMPLE.read_text())["astproxy"]
    assert section.pop("enabled") is True
    AstproxySchema().load(section)


def test_the_sample_documents_every_key():
    text = SAMPLE.read_text()
    documented = set(re.findall(r"^# ?(\w+) =", text, re.MULTILINE)) | set(re.findall(r"\[astproxy\.(\w+)", text))
    assert set(AstproxySchema().fields) <= documented


def test_uncommented_the_examples_validate():
    text = "\n".join(line.removeprefix("# ") if re.match(r"# (\w+ =|\[)", line) else line
                     for line in SAMPLE.read_text().splitlines())
    section = tomllib.loads(text)["astproxy"]
    section.pop("enabled")
    config = AstproxySchema().load(section)
    assert config["queues"]["401"]["dynmembers"] == ["201", "203"] and config["trunks"]["trunk1"]["maxchans"] == 4


@pytest.mark.parametrize("bad", [{"queue_stats_interval": -1}, {"trunks": {"t": {"tech": "sip"}}},
                                 {"unknown": 1}, {"load_concurrency": 0}])
def test_mistakes_are_refused(bad):
    with pytest.raises(ValidationError):
        AstproxySchema().load(bad)
