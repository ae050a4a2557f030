"""The ``nethcti`` command as a sysadmin runs it: check, config, plugins, serve, reload."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from nethcti.testing import base_conf, write_conf


def nethcti(*args, env=None, timeout=30):
    return subprocess.run(
        [sys.executable, "-m", "nethcti.cli", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_accepts_a_good_configuration(tmp_path):
    conf_dir = base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\n')
    result = nethcti("--conf-dir", str(conf_dir), "check")
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout and "logging" in result.stdout


def test_check_names_the_broken_file(tmp_path):
    conf_dir = base_conf(tmp_path)
    write_conf(conf_dir, "60-bad.toml", "[logging\nenabled = true\n")
    result = nethcti("--conf-dir", str(conf_dir), "check")
    assert result.returncode == 1
    assert "60-bad.toml" in result.stderr and "line 1" in result.stderr


@pytest.mark.parametrize("command", [["check"], ["config"], ["plugins"], ["user", "passwd", "alice"]])
def test_conf_dir_is_accepted_after_the_command(tmp_path, command):
    conf_dir = base_conf(tmp_path, "[users]\nenabled = true\n[users.accounts.alice]\nname = \"Alice\"\n"
                                   "[database]\nenabled = true\n[auth]\nenabled = true\n")
    result = subprocess.run([sys.executable, "-m", "nethcti.cli", *command, "--conf-dir", str(conf_dir)],
                            input="secret\n", capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    if command == ["check"]:
        assert str(conf_dir) in result.stdout


def test_serve_reads_the_conf_dir_given_after_the_command(tmp_path):
    conf_dir = base_conf(tmp_path)
    write_conf(conf_dir, "60-bad.toml", "[logging\nenabled = true\n")
    result = nethcti("serve", "--conf-dir", str(conf_dir))
    assert result.returncode == 1
    assert "60-bad.toml" in result.stderr and "unrecognized arguments" not in result.stderr


def test_conf_dir_from_the_environment(tmp_path):
    conf_dir = base_conf(tmp_path)
    write_conf(conf_dir, "60-ghost.toml", "[ghost]\nenabled = true\n")
    result = nethcti("check", env={"NETHCTI_CONF_DIR": str(conf_dir)})
    assert result.returncode == 1
    assert "plugin 'ghost' is enabled but not installed" in result.stderr


def test_config_prints_effective_values_with_secrets_redacted(tmp_path):
    conf_dir = base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\n[server]\nport = 9999\n')
    result = nethcti("--conf-dir", str(conf_dir), "config")
    assert result.returncode == 0, result.stderr
    effective = json.loads(result.stdout)
    assert effective["server"]["port"] == 9999
    assert effective["logging"]["level"] is None and effective["logging"]["stderr"] is True


def test_plugins_lists_installed_enabled_and_blocked(tmp_path, hello_installed):
    conf_dir = base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\n')
    result = nethcti("--conf-dir", str(conf_dir), "plugins", env={"PYTHONPATH": str(hello_installed)})
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()}
    assert rows["logging"][0] == "enabled"
    assert rows["hello"] == ["blocked", "1.2.3"]
    assert rows["status"][0] == "builtin"


def test_serve_starts_answers_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    log_file = tmp_path / "nethcti.log"
    conf_dir = base_conf(
        tmp_path, f'[server]\nport = {port}\n[logging]\nenabled = true\nlevel = "info"\nfile = "{log_file}"\n'
    )
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "serve"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status = None
        while time.monotonic() - started < 15 and status is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/webrest/status", timeout=1).json()
            except httpx.TransportError:
                time.sleep(0.05)
        print(f"nethcti serve answered /status after {time.monotonic() - started:.2f}s")
        assert status is not None and status["status"] == "ok"
        assert (tmp_path / "state" / "run" / str(port) / "nethcti.pid").read_text().strip() == str(server.pid)

        reload = nethcti("--conf-dir", str(conf_dir), "reload")
        assert reload.returncode == 0, reload.stderr
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log = log_file.read_text()
    assert "GET /webrest/status 200" in log or "GET /status 200" in log
    assert "reloading" in log and "stopped" in log
    assert not (tmp_path / "state" / "run" / str(port) / "nethcti.pid").exists()


def test_two_processes_on_one_conf_dir_keep_their_own_pid_files(tmp_path):
    """`nethcti serve --port` twice on the same conf.d (systemd's nethcti@<port>): each has its runtime directory,
    `nethcti reload --port` finds the right one, and the first to stop leaves the other's pid file alone."""
    conf_dir = base_conf(tmp_path, "")
    ports = free_port(), free_port()
    servers = [subprocess.Popen([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "serve", "--port",
                                 str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    pid_files = [tmp_path / "state" / "run" / str(port) / "nethcti.pid" for port in ports]
    try:
        deadline = time.monotonic() + 20
        while not all(p.exists() and p.read_text().strip() for p in pid_files) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [int(p.read_text()) for p in pid_files] == [s.pid for s in servers]
        reload = nethcti("--conf-dir", str(conf_dir), "reload", "--port", str(ports[1]))
        assert reload.returncode == 0 and f"pid {servers[1].pid}" in reload.stdout, reload.stderr
        servers[0].send_signal(signal.SIGTERM)
        assert servers[0].wait(timeout=10) == 0
        assert not pid_files[0].exists()
        assert int(pid_files[1].read_text()) == servers[1].pid
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(10)


def test_serve_refuses_a_port_in_use_with_a_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        conf_dir = base_conf(tmp_path, f"[server]\nport = {port}\n")
        result = nethcti("--conf-dir", str(conf_dir), "serve", timeout=20)
    assert result.returncode != 0
    assert "address already in use" in (result.stderr + result.stdout).lower()


def test_serve_exits_with_the_plugins_message_when_start_up_fails(tmp_path, hello_installed):
    conf_dir = base_conf(tmp_path, f'[server]\nport = {free_port()}\n[hello]\nenabled = true\ngreeting = "refuse"\n')
    result = nethcti("--conf-dir", str(conf_dir), "serve", env={"PYTHONPATH": str(hello_installed)}, timeout=20)
    assert result.returncode == 1
    assert "nethcti: plugin 'hello': hook startup failed: RuntimeError('hello refuses to start')" in result.stderr
    assert not list((tmp_path / "state").rglob("nethcti.pid"))
