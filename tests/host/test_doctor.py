"""``nethcti doctor`` as an administrator runs it: each check says ok, or the problem and what to fix; exit 1."""

import os
import subprocess
import sys

from nethcti import Finding, hookimpl
from nethcti.doctor import holds_password, host_findings, report, run_checks
from nethcti.server import bootstrap
from nethcti.testing import base_conf, users_conf, write_conf

UNWRITABLE = "/sys/nethcti-doctor-test"  # sysfs makes no regular files, not even for root


def doctor(conf_dir, env=None):
    return subprocess.run([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "doctor"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_a_healthy_configuration_is_ok_and_exits_0(tmp_path):
    result = doctor(base_conf(tmp_path, '[logging]\nenabled = true\nfile = ""\n'))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok       [server] state_dir {tmp_path / 'state'} is writable" in result.stdout
    assert result.stdout.rstrip().endswith("everything checked is ok")


def test_an_unwritable_state_dir_and_log_dir_are_problems_with_a_fix(tmp_path):
    conf_dir = base_conf(tmp_path, f'[logging]\nenabled = true\nfile = "{UNWRITABLE}/log/nethcti.log"\n')
    write_conf(conf_dir, "90-state.toml", f'[server]\nstate_dir = "{UNWRITABLE}/state"\n')
    result = doctor(conf_dir)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    problem = lines.index(next(line for line in lines if line.startswith("PROBLEM  [server] /sys (to create")))
    assert f"{UNWRITABLE}/state in) is not writable by uid {os.geteuid()}" in lines[problem]
    assert lines[problem + 1].startswith("         fix: chown the user nethcti runs as /sys")
    assert any(line.startswith("PROBLEM  [logging] /sys (to create") and "/log in)" in line for line in lines)
    assert result.stdout.rstrip().endswith("2 problems found")


def test_a_state_dir_that_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("")
    result = doctor(base_conf(tmp_path, f'[server]\nstate_dir = "{tmp_path / "afile"}"\n'))
    assert result.returncode == 1
    assert f"PROBLEM  [server] {tmp_path / 'afile'} is not a directory" in result.stdout


AMI_WITH_SECRET_FILE = ('[ami]\nenabled = true\nport = 1\nusername = "nethcti"\nsecret_file = "{}"\n'
                        'action_timeout = 0.5\n')


def test_a_world_readable_secret_file_is_a_problem(tmp_path):
    secret = tmp_path / "ami.secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    result = doctor(base_conf(tmp_path, AMI_WITH_SECRET_FILE.format(secret)))
    assert result.returncode == 1
    assert f"PROBLEM  [ami] {secret} is readable by every user (mode 0644)" in result.stdout
    assert f"fix: chmod 600 {secret}" in result.stdout
    secret.chmod(0o600)
    assert f"ok       [ami] secret_file {secret} is private" in doctor(base_conf(tmp_path, AMI_WITH_SECRET_FILE.format(
        secret))).stdout


def test_a_password_written_in_a_world_readable_conf_file(tmp_path):
    conf_dir = base_conf(tmp_path, '[ami]\nenabled = true\nport = 1\nusername = "u"\nsecret = "pw"\n'
                                   'action_timeout = 0.5\n')
    conf_file = next(path for path in conf_dir.glob("*.toml") if "[ami]" in path.read_text())
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o644)
    result = doctor(conf_dir)
    assert "holds [ami] secret" in result.stdout and "fix: move it to secret_file (mode 600)" in result.stdout
    for path in conf_dir.glob("*.toml"):
        path.chmod(0o640)
    assert f"ok       [ami] secret, written in {conf_file}, is private" in doctor(conf_dir).stdout


def test_only_urls_with_a_password_count_as_passwords():
    assert holds_password("mysql+asyncmy://nethcti:pw@127.0.0.1/nethcti3")
    assert holds_password("redis://:pw@127.0.0.1:6379/0")
    assert not holds_password("sqlite+aiosqlite:////var/lib/asterisk/cdr.db")
    assert not holds_password("mysql+asyncmy://nethcti@localhost/nethcti3")
    assert holds_password("just-a-secret")


class Checks:
    """A throwaway plugin with doctor checks: one fine, one failing, and one that crashes."""

    def __init__(self, crash=False):
        self.crash = crash

    @hookimpl
    async def doctor_checks(self, settings):
        if self.crash:
            raise RuntimeError("boom")
        return [Finding("the sky is blue"), Finding("the sea is calm", "a storm is coming", "stay ashore")]


async def test_plugins_add_their_checks_and_a_crash_is_a_finding(tmp_path):
    settings, pm = bootstrap(base_conf(tmp_path), extra_plugins=[("weather", Checks()), ("broken", Checks(True))])
    text, problems = report(await run_checks(settings, pm))
    assert "ok       [weather] the sky is blue" in text
    assert "PROBLEM  [weather] a storm is coming\n         fix: stay ashore" in text
    assert "PROBLEM  [broken] the doctor checks failed: RuntimeError('boom')" in text
    assert problems == 2 and text.endswith("2 problems found")


def test_a_world_readable_passwords_file(tmp_path):
    from nethcti.testing import users_conf

    conf_dir = users_conf(tmp_path)
    passwords = tmp_path / "state" / "passwords"
    assert f"ok       [auth] passwords_file {passwords} is private" in doctor(conf_dir).stdout
    passwords.chmod(0o644)
    result = doctor(conf_dir)
    assert result.returncode == 1
    assert f"PROBLEM  [auth] {passwords} is readable by every user (mode 0644)" in result.stdout


def test_nested_secret_files_are_checked_too(tmp_path):
    """[custcard.connections.<name>] url_file, read by nethcti.config at any depth, is checked as a top-level one."""
    secret = tmp_path / "pbx.url"
    secret.write_text(f"sqlite+aiosqlite:///{tmp_path / 'cards.db'}\n")
    secret.chmod(0o644)
    missing = tmp_path / "gone.url"
    conf_dir = users_conf(tmp_path)
    write_conf(conf_dir, "70-custcard.toml", f'[custcard]\nenabled = true\ntemplates_dir = "{tmp_path}"\n'
               f'[custcard.connections.pbx]\nurl_file = "{secret}"\n')
    result = doctor(conf_dir)
    assert f"PROBLEM  [custcard] {secret} is readable by every user (mode 0644)" in result.stdout, result.stdout
    assert f"fix: chmod 600 {secret}" in result.stdout
    secret.chmod(0o600)
    assert f"ok       [custcard] connections.pbx.url_file {secret} is private" in doctor(conf_dir).stdout

    settings = bootstrap(conf_dir)[0]  # the doctor runs on a conf.d nethcti would refuse, so it can say why
    settings.raw.sections["custcard"]["connections"]["other"] = {"url_file": str(missing)}
    assert ("custcard", Finding(f"connections.other.url_file {missing} is private", f"cannot read {missing}: "
            "No such file or directory", "create it, or fix connections.other.url_file")) in host_findings(settings)
