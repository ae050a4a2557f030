"""Every benchmark in bench/ runs with tiny numbers and prints its table (no timing is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.demopbx_fixtures import require_pbx

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *args: str, timeout: float = 60) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=BENCH.parent)
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def test_ami_ingest_prints_its_tables():
    out = run_bench("ami_ingest.py", "--loops", "1")
    assert "| nethcti_ami parser" in out and "| panoramisk parser" in out
    assert "+ websocket, 1 client logged in" in out


def test_phonebook_prints_its_tables():
    out = run_bench("phonebook.py", "--contacts", "300", "--repeat", "1")
    assert "### search latency, 300 contacts" in out and "| cticontact by id" in out
    assert "### SQLite: what the database does" in out and "name_idx" in out


def test_history_prints_its_table():
    out = run_bench("history.py", "--rows", "3000", "--repeat", "1", "--engines", "sqlite")
    assert "### history queries, 3000 CDR rows (ms)" in out
    assert "user, 1 day, limit 15" in out and "paging 30 days" in out


def test_fanout_prints_its_table():
    out = run_bench("fanout.py", "3", "--events", "2", "--variants", "node,nethcti/queued,nethcti", "--processes",
                    "1", "--rest-probe", timeout=180)  # the first run installs the node reference's socket.io from npm
    assert "### fan-out latency" in out and "| node socket.io 3 (reference)" in out and "queued ws" in out
    assert "REST p99 ms" in out
    assert out.count(" 6/6 ") == 3  # 3 clients x 2 events, every server: every client got every event


def test_write_floor_prints_its_table():
    out = run_bench("write_floor.py", "--clients", "5", "--events", "3", "--loops", "asyncio")  # uvloop: bench extra
    assert "### CPU per write" in out and "| asyncio" in out


@pytest.mark.live
def test_rest_prints_its_tables():
    require_pbx()
    out = run_bench("rest.py", "--extensions", "5", "--requests", "5", "--concurrency", "2",
                    "--variants", "before,nethcti", "--calls", "1")
    assert "| GET /astproxy/extensions" in out and "200x5" in out
    assert "POST /webrest/astproxy/call" in out


@pytest.mark.live
def test_real_calls_prints_its_table():
    require_pbx()
    out = run_bench("real_calls.py", "--rate", "2", "--duration", "1", "--hold", "0.5", "--pairs", "2",
                    "--clients", "2")
    assert "### real calls" in out


@pytest.mark.live
def test_soak_prints_its_tables():
    require_pbx()
    out = run_bench("soak.py", "--minutes", "0.2", "--rate", "2", "--hold", "0.5", "--pairs", "2", "--clients", "2",
                    "--sample", "2", "--variants", "nethcti/gc-default,nethcti", timeout=120)
    assert "### soak:" in out and "### RSS over time" in out
    rows = [re.search(rf"^\| {spec} +\| ", out, re.MULTILINE) for spec in ("nethcti/gc-default", "nethcti")]
    assert all(rows), out  # a row per variant, named by its --variants text


def test_metrics_prints_its_tables():
    out = run_bench("metrics.py", "--extensions", "5", "--requests", "5", "--concurrency", "2", "--rounds", "1",
                    "--sockets", "2", timeout=120)
    assert "| GET /astproxy/prefix     | off" in out and "| GET /astproxy/prefix     | on " in out
    assert "### one scrape of GET /metrics" in out and "200x20" in out


@pytest.mark.live
def test_cluster_prints_its_table():
    require_pbx()
    out = run_bench("cluster.py", "--clients", "4", "--servers", "1,2", "--rate", "2", "--duration", "1", "--hold",
                    "1", "--pairs", "2", "--client-processes", "2", timeout=180)
    assert "### 4 clients over 1-2 processes: 2 calls at 2/s" in out
    rows = [line for line in out.splitlines() if line.startswith("|") and line.split("|")[1].strip() in ("1", "2")]
    assert len(rows) == 2 and all(row.split("|")[5].strip() == "0" for row in rows)  # no channel missed
