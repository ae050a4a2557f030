"""Fixtures of the history tests: the CDR table on SQLite and on a private MariaDB, the app on a fake AMI with
the demo PBX's users, and a client logged in as each of them."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.testing import PASSWORDS, demo_conf, fake_ami_answers, read_transcript
from nethcti_history.testing import SAMPLE_ROWS, create_cdr

from nethcti.testing import ApiClient, running_app, write_conf

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "astproxy" / "tests" / "transcripts"

# alice: every history permission, no privacy; bob: his own history and recordings, his groups', privacy;
# carol: the whole PBX's history (ad_cdr) with privacy, no recordings; dave: no history at all
HISTORY_TOML = """
[users.profiles.full]
permissions = ["cdr.ad_cdr", "cdr.group_cdr", "settings.recording", "presence_panel.ad_recording"]

[users.profiles.agent]
permissions = ["settings.privacy", "cdr", "cdr.group_cdr", "settings.recording"]

[users.profiles.basic]
permissions = ["settings.privacy", "cdr.ad_cdr"]

[users.profiles.supervisor]
permissions = ["settings.privacy", "settings.recording"]

[astproxy]
recordings_dir = "{recordings}"

[astproxy.operator_groups]
Support = ["alice", "bob"]

[astproxy.trunks.trunk1]
name = "Provider"

[static]
enabled = true

[history]
enabled = true
cdr_url = "{url}"
max_limit = 50
"""


@pytest.fixture(params=["sqlite", "mariadb"])
def engine(request):
    return request.param


@pytest.fixture
def cdr_url(engine, tmp_path, request):
    """An empty database's URL on ``engine``."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cdr.db'}"
    return request.getfixturevalue("mariadb").create_database("history")


class Api(ApiClient):
    """The running app and a client that logs each demo user in once."""

    def __init__(self, app, recordings: Path):
        super().__init__(app, "/webrest", PASSWORDS)
        self.recordings = recordings


@pytest.fixture
def history_app(tmp_path):
    """``async with history_app(url) as api``: see ``serving``."""

    def make(url: str, rows=SAMPLE_ROWS, extra: str = ""):
        return serving(tmp_path, url, rows, extra)

    return make


@asynccontextmanager
async def serving(tmp_path: Path, url: str, rows=(), extra: str = ""):
    """The app with the history plugin reading the CDR table at ``url`` (created, filled with ``rows``)."""
    await create_cdr(url, rows)
    recorded = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    recordings = tmp_path / "monitor"
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf_dir = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        write_conf(conf_dir, "70-history.toml", HISTORY_TOML.format(url=url, recordings=recordings) + extra)
        async with running_app(conf_dir) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            yield Api(app, recordings)
