"""``nethcti doctor`` against the real demo PBX: the AMI login and the manager classes nethcti needs."""

import os
import subprocess
import sys

import pytest

from nethcti.testing import base_conf, free_port

pytestmark = pytest.mark.live

# manager.conf users the doctor is tried with: each lacks something nethcti needs
LIMITED_USERS = """
[doctor-limited]
secret = limited-pw
permit = 127.0.0.1/255.255.255.255
read = call,system
write = originate,command,call,system

[doctor-nocommand]
secret = nocommand-pw
permit = 127.0.0.1/255.255.255.255
read = all
write = originate,call,system,agent,reporting
"""


@pytest.fixture
def pbx(demo_pbx_clean):
    manager_conf = demo_pbx_clean.etc_dir / "manager.conf"
    if "[doctor-limited]" not in manager_conf.read_text():  # the PBX may have been restarted from its templates
        with manager_conf.open("a") as conf:
            conf.write(LIMITED_USERS)
        demo_pbx_clean.cli("manager reload")
    return demo_pbx_clean


def doctor(tmp_path, port: int, username: str, secret: str):
    secret_file = tmp_path / "ami.secret"
    secret_file.write_text(secret)
    secret_file.chmod(0o600)
    conf_dir = base_conf(tmp_path, f'[ami]\nenabled = true\nport = {port}\nusername = "{username}"\n'
                                   f'secret_file = "{secret_file}"\naction_timeout = 3\n')
    return subprocess.run([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "doctor"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))


def test_good_credentials_and_classes_are_ok(tmp_path, pbx):
    info = pbx.ami_info()
    result = doctor(tmp_path, info["port"], info["username"], info["secret"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok       [ami] Asterisk's manager answers at 127.0.0.1:{info['port']}" in result.stdout
    assert f"ok       [ami] AMI login as '{info['username']}'" in result.stdout
    assert "ok       [ami] AMI user 'nethcti' has the read classes call, agent, dialplan, system, user, cdr" \
        in result.stdout
    assert "has the write classes originate, call, system, agent, reporting, command" in result.stdout


def test_a_wrong_password_says_so(tmp_path, pbx):
    info = pbx.ami_info()
    result = doctor(tmp_path, info["port"], info["username"], "not-the-secret")
    assert result.returncode == 1
    assert "PROBLEM  [ami] AMI login as 'nethcti' refused: Authentication failed" in result.stdout
    assert "fix: check the username and secret in [ami] against [nethcti] in /etc/asterisk/manager.conf" \
        in result.stdout


def test_a_user_lacking_classes_is_told_which(tmp_path, pbx):
    result = doctor(tmp_path, pbx.ami_port, "doctor-limited", "limited-pw")
    assert result.returncode == 1
    assert "PROBLEM  [ami] AMI user 'doctor-limited' lacks the read classes agent, dialplan, user, cdr" \
        in result.stdout
    assert "PROBLEM  [ami] AMI user 'doctor-limited' lacks the write classes agent, reporting" in result.stdout
    assert "fix: add agent, dialplan, user, cdr to `read =` of [doctor-limited]" in result.stdout


def test_a_user_without_the_command_class(tmp_path, pbx):
    result = doctor(tmp_path, pbx.ami_port, "doctor-nocommand", "nocommand-pw")
    assert result.returncode == 1
    assert "PROBLEM  [ami] AMI user 'doctor-nocommand' may not run CLI commands" in result.stdout
    assert "it lacks write class command" in result.stdout


def test_nothing_listening(tmp_path):
    port = free_port()
    result = doctor(tmp_path, port, "nethcti", "secret")
    assert result.returncode == 1
    assert f"PROBLEM  [ami] AMI 127.0.0.1:{port} unreachable: Connection refused" in result.stdout
