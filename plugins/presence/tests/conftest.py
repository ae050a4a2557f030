"""Fixtures of the presence tests: the app on a fake AMI that keeps an AstDB, a probe of the presence hooks,
and an HTTP client logged in as the NethVoice clients do it."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.testing import fake_ami_answers, read_transcript
from nethcti_presence.testing import USERS_TOML, Api, PresenceProbe, presence_conf

from nethcti.testing import running_app

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "astproxy" / "tests" / "transcripts"


@asynccontextmanager
async def serving(tmp_path, users: str = USERS_TOML, extra: str = "", plugins=()):
    """The app on a fake AMI whose PBX is the demo PBX at rest (recorded); yields an Api."""
    recorded = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    probe = PresenceProbe()
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        async with running_app(presence_conf(tmp_path, fake.port, users=users, extra=extra),
                               extra_plugins=[("probe", probe), *plugins]) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            yield Api(app, probe, fake)


@pytest.fixture
def api(tmp_path):
    """``async with api() as api``: see ``serving``."""

    def make(**kwargs):
        return serving(tmp_path, **kwargs)

    return make
