"""Fixtures of the queuestats tests: queue_log (and CDR) tables on SQLite and on a private MariaDB, the app on a
fake AMI with the demo PBX's users and queues, and a client logged in as each of them."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.testing import PASSWORDS, demo_conf, fake_ami_answers, read_transcript
from nethcti_queuestats.testing import NOW, SAMPLE_CDR, SAMPLE_ROWS, create_queue_log

from nethcti.testing import ApiClient, running_app, write_conf

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "astproxy" / "tests" / "transcripts"

# alice: supervisor of 401, queue agent (member of 401) with the lost-calls list; bob: agent of 401 with the
# lost-calls list; carol: nothing; dave: supervisor of 402 only
QUEUESTATS_TOML = """
[users.profiles.full]
permissions = ["qmanager.qmanager_401", "queue_agent.ad_queue_agent", "queue_agent.lost_queue_call"]

[users.profiles.agent]
permissions = ["settings.privacy", "queue_agent", "queue_agent.lost_queue_call"]

[users.profiles.basic]
permissions = ["settings.privacy"]

[users.profiles.supervisor]
permissions = ["settings.privacy", "qmanager.qmanager_402"]

[astproxy.queues.401]
name = "Support"
sla = "30"

[queuestats]
enabled = true
queue_log_url = "{url}"
alarm_interval = 0.05
max_hours = 48
max_limit = 500
"""


@pytest.fixture(params=["sqlite", "mariadb"])
def engine(request):
    return request.param


@pytest.fixture
def queue_log_url(engine, tmp_path, request):
    """An empty database's URL on ``engine``."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'asteriskcdrdb.db'}"
    return request.getfixturevalue("mariadb").create_database("queuestats")


class Api(ApiClient):
    """The running app and a client that logs each demo user in once."""

    def __init__(self, app):
        super().__init__(app, "/webrest/astproxy", PASSWORDS)
        self.stats = app.extensions["queuestats"]


@pytest.fixture
def stats_app(tmp_path):
    """``async with stats_app(url) as api``: the app reading the sample queue_log at ``url``, clock at NOW."""

    def make(url: str, rows=SAMPLE_ROWS, cdr_rows=SAMPLE_CDR, extra: str = "", cdr_table: str | None = "cdr"):
        return serving(tmp_path, url, rows, cdr_rows, extra, cdr_table)

    return make


@asynccontextmanager
async def serving(tmp_path: Path, url: str, rows, cdr_rows, extra: str, cdr_table: str | None):
    await create_queue_log(url, rows, cdr_rows, cdr_table=cdr_table)
    recorded = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        conf_dir = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        toml = QUEUESTATS_TOML.format(url=url) + ("" if cdr_table else 'cdr_table = ""\n') + extra
        write_conf(conf_dir, "70-queuestats.toml", toml)
        async with running_app(conf_dir) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            app.extensions["queuestats"].now = lambda: NOW
            yield Api(app)
