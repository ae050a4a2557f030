"""The Debian package: built from this tree by packaging/build-deb, installed with dpkg on this machine, its unit
run against the demo PBX, upgraded in place, then purged. Alone: ``scripts/test -m package``.

systemd is not PID 1 here (nor in CI), so the unit is not started by systemctl: its ExecStartPre and ExecStart run
as the unit says, as its user with its environment (tests/packaging/systemd_unit.py says what that leaves out),
and ``systemd-analyze verify`` checks the unit file itself.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import textwrap
import urllib.request
from pathlib import Path

import pytest

from nethcti.testing import free_port, wait_until
from tests.demopbx_fixtures import skip_or_fail
from tests.packaging.systemd_unit import RunAsSystemd, Unit

pytestmark = [pytest.mark.package, pytest.mark.live]

UNIT = Path("/lib/systemd/system/nethcti.service")
TEMPLATE = Path("/lib/systemd/system/nethcti@.service")  # one process per port (docs/cluster.md)
# What the template must do as the main unit does: the user, its directories, the hardening.
SAME_AS_THE_MAIN_UNIT = ("User", "Group", "Environment", "StateDirectory", "StateDirectoryMode", "LogsDirectory",
                         "LogsDirectoryMode", "NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ExecStartPre")
ETC = Path("/etc/nethcti")
SECRET = ETC / "ami.secret"  # where conf.d/40-ami.toml tells the administrator to put it
# Everything the package or its postinst puts on the machine; purge must take it all away.
INSTALLED = [Path("/opt/nethcti"), Path("/usr/bin/nethcti"), UNIT, TEMPLATE, Path("/etc/logrotate.d/nethcti"),
             ETC / "conf.d",
             Path("/var/lib/nethcti"), Path("/var/log/nethcti"), Path("/usr/share/doc/nethcti")]
LOCAL_PLUGINS = Path("/usr/local/lib/nethcti")  # the bundle's .pth puts it on sys.path: third-party plugins
# Plugins whose samples point at NethVoice's MariaDB databases (asteriskcdrdb, asterisk), absent here.
NEEDS_NETHVOICE_DATABASES = ["history", "queuestats", "offhour"]


def run(*argv, check=True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL, **kwargs)
    if check and result.returncode:
        raise AssertionError(f"{' '.join(map(str, argv))}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result


def installed_version() -> str | None:
    result = run("dpkg-query", "-W", "-f=${Status} ${Version}", "nethcti", check=False)
    return result.stdout.split()[-1] if result.stdout.startswith("install ok installed") else None


def user_exists(name: str) -> bool:
    return run("getent", "passwd", name, check=False).returncode == 0


def require_a_machine_to_install_on() -> None:
    if os.geteuid() != 0:
        skip_or_fail("the package test installs a .deb with dpkg: run it as root")
    tools = ("dpkg", "dpkg-deb", "systemd-analyze", "logrotate", "/usr/bin/python3.11")
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing:
        skip_or_fail(f"the package test needs Debian 12's {', '.join(missing)}")
    # Never touch a real installation: this test purges what it installed, user and state included.
    present = [str(p) for p in (*INSTALLED, SECRET, LOCAL_PLUGINS) if p.exists() or p.is_symlink()]
    if installed_version() or user_exists("nethcti") or present:
        skip_or_fail("nethcti is already installed here (package, nethcti user or "
                     f"{', '.join(present) or 'files'}); the package test installs and purges it, so it leaves an "
                     "existing installation alone: `dpkg --purge nethcti` to let it run")


@pytest.fixture
def deb(built_deb) -> Path:
    require_a_machine_to_install_on()
    return built_deb


@pytest.fixture
def cleanup():
    """Whatever happens, the machine ends as it began: service stopped, package purged, test files gone."""
    services: list[RunAsSystemd] = []
    yield services
    for service in services:
        service.kill()
    if run("dpkg-query", "-W", "nethcti", check=False).returncode == 0:
        run("dpkg", "--purge", "nethcti", check=False)
    SECRET.unlink(missing_ok=True)
    shutil.rmtree(LOCAL_PLUGINS, ignore_errors=True)
    if ETC.is_dir() and not any(ETC.iterdir()):
        ETC.rmdir()


async def test_deb_installs_runs_its_unit_against_the_demo_pbx_upgrades_and_purges(deb, demo_pbx, cleanup, tmp_path):
    contents = run("dpkg-deb", "--contents", deb).stdout
    assert "./opt/nethcti/bin/nethcti\n" in contents and "./lib/systemd/system/nethcti.service\n" in contents
    assert "./lib/systemd/system/nethcti@.service\n" in contents

    run("dpkg", "--install", deb)
    assert installed_version()
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "nethcti").stdout
    assert "/etc/nethcti/conf.d/00-server.toml" in conffiles and "/etc/logrotate.d/nethcti" in conffiles
    run("systemd-analyze", "verify", UNIT)  # every directive known, every command present and executable
    run("systemd-analyze", "verify", TEMPLATE)  # verified as instance "i"
    main, template = Unit.read(UNIT), Unit.read(TEMPLATE)
    assert {k: template.get(k) for k in SAME_AS_THE_MAIN_UNIT} == {k: main.get(k) for k in SAME_AS_THE_MAIN_UNIT}
    assert template.get("ExecStart") == "/opt/nethcti/bin/nethcti serve --port %i"
    # Every plugin's module imports from the bundle (a wheel holds only the packages its pyproject lists).
    run("/opt/nethcti/bin/python", "-c", "from importlib.metadata import entry_points\n"
        "for ep in entry_points(group='nethcti.plugins'): ep.load()")

    user = pwd.getpwnam("nethcti")
    assert user.pw_uid < 1000 and user.pw_shell == "/usr/sbin/nologin"  # a system user that cannot log in
    if run("getent", "group", "asterisk", check=False).returncode == 0:  # to read recordings and voicemail
        assert "asterisk" in run("id", "-nG", "nethcti").stdout.split()
    state = Path("/var/lib/nethcti")
    assert (state.stat().st_uid, state.stat().st_mode & 0o777) == (user.pw_uid, 0o750)

    # Configured as an administrator would: the AMI secret in its file, a drop-in for the PBX.
    ami = demo_pbx.ami_info()
    SECRET.write_text(ami["secret"] + "\n")
    shutil.chown(SECRET, "root", "nethcti")
    SECRET.chmod(0o640)
    port = free_port()
    disabled = "".join(f"[{name}]\nenabled = false\n" for name in NEEDS_NETHVOICE_DATABASES)
    (ETC / "conf.d" / "90-demo-pbx.toml").write_text(textwrap.dedent(f"""\
        [server]
        port = {port}
        [logging]
        level = "info"
        [ami]
        host = "{ami["host"]}"
        port = {ami["port"]}
        username = "{ami["username"]}"
        """) + disabled)

    service = RunAsSystemd(Unit.read(UNIT), tmp_path / "journal.log")
    cleanup.append(service)
    process = service.start()
    status_url = f"http://127.0.0.1:{port}/status"

    def status() -> dict:
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                return json.load(response)
        except OSError:
            assert process.poll() is None, f"nethcti exited {process.returncode}: {service.output.read_text()}"
            return {}

    await wait_until(lambda: status().get("status") == "ok", f"GET {status_url} says ok", timeout=30)
    assert status()["plugins"]["ami"]["state"] == "up"
    assert Path(f"/proc/{process.pid}").stat().st_uid == user.pw_uid  # not root
    assert (state / "nethcti.db").stat().st_uid == user.pw_uid  # its state, written by the service
    health = service.run_as_user(["/opt/nethcti/bin/nethcti-healthcheck"])  # the container's HEALTHCHECK
    assert health.returncode == 0 and health.stdout.startswith("ok: "), health

    # logrotate moves the log away; nethcti notices and writes a new file (no copytruncate, no restart).
    log = Path("/var/log/nethcti/nethcti.log")
    assert "GET /status 200" in log.read_text()
    run("logrotate", "--force", "--state", tmp_path / "logrotate.state", "/etc/logrotate.d/nethcti")
    assert Path("/var/log/nethcti/nethcti.log.1").exists()
    await wait_until(lambda: status() and log.exists() and "GET /status 200" in log.read_text(),
                     "a request logged in the new nethcti.log")

    # A third-party plugin in /usr/local/lib/nethcti is found by the bundled nethcti (blocked until enabled).
    dist_info = LOCAL_PLUGINS / "nethcti_hello-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: nethcti-hello\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[nethcti.plugins]\nhello = nethcti_hello.plugin\n")
    plugins = service.run_as_user(["/usr/bin/nethcti", "plugins"])
    assert any(line.split()[:3] == ["hello", "blocked", "1.0"] for line in plugins.stdout.splitlines()), plugins
    shutil.rmtree(LOCAL_PLUGINS)

    # An upgrade (the same package again) keeps the administrator's conffile edits, the user and the state.
    server_conf = ETC / "conf.d" / "00-server.toml"
    server_conf.write_text(server_conf.read_text() + "# edited by the administrator\n")
    run("dpkg", "--install", deb)  # no question asked: the package's copy did not change
    assert server_conf.read_text().endswith("# edited by the administrator\n")
    assert pwd.getpwnam("nethcti").pw_uid == user.pw_uid and (state / "nethcti.db").exists()

    # systemctl stop: KillSignal, and nethcti exits cleanly within TimeoutStopSec.
    assert service.stop() == 0, service.output.read_text()
    assert service.run_as_user(["/opt/nethcti/bin/nethcti-healthcheck"]).returncode == 1

    purge = run("dpkg", "--purge", "nethcti")
    assert installed_version() is None
    assert not user_exists("nethcti") and run("getent", "group", "nethcti", check=False).returncode != 0
    assert [str(p) for p in INSTALLED if p.exists() or p.is_symlink()] == []
    # What the administrator wrote outside conf.d is theirs (on NethVoice, /etc/nethcti also holds the original
    # nethcti-server's configuration): kept, and named.
    assert sorted(ETC.iterdir()) == [SECRET] and str(SECRET.name) in purge.stderr
