"""The logging plugin: level rules, file sink, stdlib loggers routed into loguru, access lines."""

import logging
import re

import pytest
from loguru import logger
from nethcti_logging.plugin import default_level

from nethcti.testing import base_conf, running_app


@pytest.mark.parametrize(
    ("environ", "level"),
    [
        ({}, "warning"),
        ({"NETHCTI_ENV": "development"}, "info"),
        ({"NODE_ENV": "development"}, "info"),
        ({"NETHCTI_ENV": "production", "NODE_ENV": "production"}, "warning"),
    ],
)
def test_default_level(environ, level):
    assert default_level(environ) == level


async def test_configured_level_file_sink_stdlib_and_access_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("NETHCTI_ENV", "development")  # must not override an explicit level
    log_file = tmp_path / "log" / "nethcti.log"
    conf_dir = base_conf(tmp_path, f'[logging]\nenabled = true\nlevel = "warning"\nfile = "{log_file}"\n')
    async with running_app(conf_dir) as app:
        await app.test_client().get("/status")
        logging.getLogger("panoramisk").warning("from the stdlib: %s", "routed")
        logger.info("an info line that the warning level drops")
        logger.warning("a warning line")
    text = log_file.read_text()
    assert "WARNING: [" in text and "a warning line" in text
    assert "from the stdlib: routed" in text
    assert "an info line" not in text
    assert "GET /status" not in text  # access lines are info


def fail_with_a_secret_in_a_local():
    password = "-".join(["s3cret", "in", "a", "local"])  # what diagnose=True prints under the failing line
    raise RuntimeError("boom" * (len(password) > 0))


@pytest.mark.parametrize("diagnose", [False, True])
async def test_tracebacks_show_local_values_only_with_diagnose(tmp_path, diagnose):
    log_file = tmp_path / "nethcti.log"
    toml = f'[logging]\nenabled = true\nfile = "{log_file}"\ndiagnose = {str(diagnose).lower()}\n'
    conf_dir = base_conf(tmp_path, toml)
    async with running_app(conf_dir):
        try:
            fail_with_a_secret_in_a_local()
        except RuntimeError:
            logger.exception("a crash")
    text = log_file.read_text()
    assert "RuntimeError: boom" in text
    assert ("s3cret-in-a-local" in text) is diagnose


async def test_access_line_per_request_in_development(tmp_path, monkeypatch):
    monkeypatch.setenv("NODE_ENV", "development")
    log_file = tmp_path / "nethcti.log"
    conf_dir = base_conf(tmp_path, f'[logging]\nenabled = true\nfile = "{log_file}"\n')
    async with running_app(conf_dir) as app:
        await app.test_client().get("/webrest/status?x=1", headers={"User-Agent": "probe/1"})
        await app.test_client().get("/nothing")
    text = log_file.read_text()
    assert "GET /status?x=1 200 - [UA: probe/1]" in text
    assert "GET /nothing 404" in text


async def test_reload_reopens_a_rotated_file(tmp_path):
    log_file = tmp_path / "nethcti.log"
    conf_dir = base_conf(tmp_path, f'[logging]\nenabled = true\nfile = "{log_file}"\n')
    async with running_app(conf_dir) as app:
        logger.warning("before rotation")
        log_file.rename(tmp_path / "nethcti.log.1")
        await app.pm.acall_each("reload", app=app)
        logger.warning("after rotation")
    assert "after rotation" in log_file.read_text()
    assert "before rotation" in (tmp_path / "nethcti.log.1").read_text()


def test_without_the_logging_plugin_tracebacks_show_no_local_values(tmp_path):
    """loguru's own default sink has diagnose on; the host replaces it before anything can log."""
    import subprocess
    import sys

    script = (
        "from loguru import logger\n"
        "from nethcti.server import bootstrap\n"
        "from pathlib import Path\n"
        f"bootstrap(Path({str(tmp_path)!r}))\n"
        "def fail():\n"
        "    password = '-'.join(['s3cret', 'in', 'a', 'local'])\n"
        "    raise RuntimeError('boom' * (len(password) > 0))\n"
        "try:\n"
        "    fail()\n"
        "except RuntimeError:\n"
        "    logger.exception('a crash')\n"
    )
    (tmp_path / "crash.py").write_text(script)  # a file: loguru annotates the source lines it can read
    done = subprocess.run([sys.executable, str(tmp_path / "crash.py")], capture_output=True, text=True, timeout=60)
    assert "RuntimeError: boom" in done.stderr
    assert "s3cret-in-a-local" not in done.stderr


def serve_once(tmp_path, stderr_path, environ: dict, extra: str = "") -> str:
    """Run ``nethcti serve`` with stderr written to ``stderr_path`` as systemd would connect it, ask /status,
    stop it with SIGTERM; return what it wrote on stderr."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from nethcti.testing import free_port

    port = free_port()
    conf_dir = base_conf(tmp_path, f'[server]\nport = {port}\n[logging]\nenabled = true\nlevel = "info"\n'
                                   f'file = ""\n{extra}')
    with open(stderr_path, "w") as stderr:
        env = {**os.environ, **environ}
        env.pop("NETHCTI_ENV", None)
        server = subprocess.Popen([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "serve"],
                                  stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/status", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nethcti serve did not answer"
                    time.sleep(0.05)
            httpx.get(f"http://127.0.0.1:{port}/no/such/thing", timeout=1)
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=10) == 0
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    return stderr_path.read_text()


def journal_stream_of(path) -> str:
    import os

    stat = os.stat(path)
    return f"{stat.st_dev}:{stat.st_ino}"


def test_under_systemd_stderr_lines_carry_a_priority_and_no_timestamp(tmp_path):
    stderr_path = tmp_path / "journal"
    stderr_path.touch()
    text = serve_once(tmp_path, stderr_path, {"JOURNAL_STREAM": journal_stream_of(stderr_path)})
    lines = text.splitlines()
    assert any(line.startswith("<6>INFO: [nethcti_logging.plugin] GET /status 200") for line in lines), text
    assert any(line.startswith("<6>INFO: [nethcti_logging.plugin] GET /no/such/thing 404") for line in lines)
    assert all(line.startswith(("<6>", "<4>", "<3>", "<7>")) for line in lines if line), text
    assert "2026-" not in text and " - INFO" not in text  # journald adds the time itself


def test_journal_stream_of_another_file_keeps_timestamps(tmp_path):
    """A process that inherited JOURNAL_STREAM but whose stderr goes elsewhere writes the usual lines."""
    elsewhere = tmp_path / "journal-of-the-parent"
    elsewhere.touch()
    text = serve_once(tmp_path, tmp_path / "stderr", {"JOURNAL_STREAM": journal_stream_of(elsewhere)})
    line = next(line for line in text.splitlines() if "GET /status 200" in line)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} - INFO: \[nethcti_logging\.plugin\]", line), line


@pytest.mark.parametrize(("chosen", "journald"), [("journald", True), ("timestamped", False)])
def test_the_stderr_format_can_be_forced(tmp_path, chosen, journald):
    text = serve_once(tmp_path, tmp_path / "stderr", {"JOURNAL_STREAM": ""}, f'stderr_format = "{chosen}"\n')
    line = next(line for line in text.splitlines() if "GET /status 200" in line)
    assert line.startswith("<6>INFO: ") is journald


@pytest.mark.parametrize(("level", "priority"), [
    ("TRACE", 7), ("DEBUG", 7), ("INFO", 6), ("SUCCESS", 6), ("WARNING", 4), ("ERROR", 3), ("CRITICAL", 2),
])
def test_syslog_priorities(level, priority):
    from nethcti_logging.plugin import syslog_priority

    assert syslog_priority(logger.level(level).no) == priority
