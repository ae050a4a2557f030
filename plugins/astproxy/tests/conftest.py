"""Fixtures of the astproxy tests: recorded transcripts and the model replayed from them."""

from pathlib import Path

import pytest
from nethcti_astproxy.loader import build_model
from nethcti_astproxy.testing import DEMO_ACCOUNTS, DEMO_STATICS_WITH_TRUNK, read_transcript

TRANSCRIPTS = Path(__file__).with_name("transcripts")


def load_transcript(name: str):
    return read_transcript(TRANSCRIPTS / f"{name}.jsonl")


def replay_transcript(name: str, until: str | None = None, statics=DEMO_STATICS_WITH_TRUNK):
    """(model, notices): the model loaded at the boot of transcript ``name``, fed with its events up to
    checkpoint ``until`` (all of them when None), and the notices the events produced."""
    recorded = load_transcript(name)
    model = build_model(recorded.snapshots["boot"], statics, DEMO_ACCOUNTS)
    started = False
    notices = []
    for kind, item in recorded.steps:
        if kind == "snapshot":
            if item == until:
                break
            started = started or item == "boot"
        elif started:
            model.apply(item)
            notices += model.notices
            model.reset_changes()
    return model, notices


@pytest.fixture
def transcript():
    return load_transcript


@pytest.fixture
def replay():
    return replay_transcript
