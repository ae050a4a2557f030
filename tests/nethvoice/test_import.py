"""``nethcti import-nethvoice``: a NethVoice /etc/nethcti (etc-nethcti/, shaped as nethcti-server 3.30's files)
becomes a conf.d that ``nethcti check`` accepts; bad input is one line on stderr and exit status 1."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nethcti.cli import main
from nethcti.nethvoice.databases import connection_url
from nethcti.nethvoice.source import Connection

FIXTURE = Path(__file__).resolve().parent / "etc-nethcti"
SECRETS = ("Hj4kL9mN2pQr", "Pb7xW2zK5nM8", "Fp3vB8cN1xZ6", "Zq3rT7vY9pLk2sWx")  # passwords in the fixture


@pytest.fixture
def etc(tmp_path) -> Path:
    """A copy of the fixture /etc/nethcti, to change."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "etc-nethcti"))


def edit_json(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=4))


def import_nethvoice(capsys, source: Path, output: Path, *more: str) -> tuple[int, str, str]:
    status = main(["--conf-dir", str(output), "import-nethvoice", str(source), *more])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def report_line(out: str, origin: str) -> str:
    lines = [line for line in out.splitlines() if line.strip().startswith(origin + " ")]
    assert lines, f"the report has no line for {origin!r}:\n{out}"
    return lines[0]


def test_the_fixture_becomes_a_conf_d_that_nethcti_check_accepts(capsys, etc, tmp_path):
    conf = tmp_path / "conf.d"
    status, out, err = import_nethvoice(capsys, etc, conf)
    assert status == 0, err
    assert "nethcti check: configuration OK" in out
    assert main(["--conf-dir", str(conf), "check"]) == 0

    sections = {}
    for path in sorted(conf.glob("*.toml")):
        sections.update(tomllib.loads(path.read_text()))
    # files nethcti's plugins read as they are: pointed at, so NethVoice's rewrites and `nethcti reload` still work
    assert sections["users"]["users_file"] == str(etc / "users.json")
    assert sections["users"]["profiles_file"] == str(etc / "profiles.json")
    assert sections["ami"]["asterisk_json"] == str(etc / "asterisk.json")
    assert sections["astproxy"]["ast_objects_file"] == str(etc / "ast_objects.json")
    assert sections["streaming"]["streaming_json"] == str(etc / "streaming.json")
    # settings only the original read: converted
    assert sections["server"]["port"] == 8179
    assert sections["logging"] == {"enabled": True, "file": "/var/log/asterisk/nethcti.log", "level": "warning"}
    assert sections["auth"] == {"enabled": True, "authentication": True, "backend": "pam",
                                     "pam_service": "system-auth", "expiration_timeout": 3600}
    assert sections["astproxy"]["unauthe_call"] is True
    assert sections["astproxy"]["unauthe_call_allowed"] == ["127.0.0.1/32", "192.168.5.0/24"]
    assert sections["astproxy"]["click_to_call"] == "disabled"
    assert sections["queuestats"]["alarms"] is False
    assert sections["voicemail"]["storage"] == "odbc"
    assert sections["videoconf"]["smtp_host"] == "localhost"
    assert sections["videoconf"]["sender"] == "noreply@example.com"
    # every database: a URL in a file of its own, readable by its owner only, in a directory only they may enter
    secrets = conf / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    urls = {
        ("database", "url"): "nethcti3", ("phonebook", "centralized_url"): "phonebook",
        ("history", "cdr_url"): "asteriskcdrdb", ("queuestats", "queue_log_url"): "asteriskcdrdb",
        ("voicemail", "db_url"): "asteriskcdrdb", ("offhour", "asterisk_db_url"): "asterisk",
        ("offhour", "nethcti_db_url"): "nethcti3", ("astproxy", "pin_url"): "asterisk",
        ("presence", "asterisk_db_url"): "asterisk",
    }
    for (section, key), database in urls.items():
        path = Path(sections[section][f"{key}_file"])
        assert path.parent == secrets
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert f"/{database}?unix_socket=%2Fvar%2Flib%2Fmysql%2Fmysql.sock" in path.read_text()
        assert key not in sections[section]  # the URL (and its password) is never in a drop-in
    # no secret is printed or written into a drop-in
    drop_ins = "".join(path.read_text() for path in conf.glob("*.toml"))
    for secret in SECRETS:
        assert secret not in out and secret not in err and secret not in drop_ins
    # what could not be carried over is said, with the reason
    assert "desktop notifier" in report_line(out, "services.json tcp")
    assert "EJS" in report_line(out, "dbstatic.d/nethcti3.json customer_card")
    assert "/socket.io" in report_line(out, "services.json websocket.http_port")


def test_unknown_keys_files_and_connections_are_reported_not_dropped(capsys, etc, tmp_path):
    edit_json(etc / "nethcti.json", lambda d: d.update(cdr_script_timeout="5000"))
    edit_json(etc / "asterisk.json", lambda d: d.update(ami_tls="enabled"))
    edit_json(etc / "dbstatic.d" / "asteriskcdrdb.json", lambda d: d.update(
        billing={"dbhost": "localhost", "dbport": "3306", "dbtype": "mysql", "dbuser": "b", "dbpassword": "b",
                 "dbname": "billing"},
        history_call=d["history_call"] | {"dbtype": "mssql:7_4"}))
    (etc / "custom_feature.json").write_text('{"on": true}')
    for name in ("users.json", "profiles.json"):  # as NethVoice installs them: asterisk's, mode 0600
        (etc / name).chmod(0o600)
    (etc / "exec_script.json").write_text('{"cdr": {"script": "/usr/local/bin/cdr.sh", "timeout": 5000}}')
    status, out, err = import_nethvoice(capsys, etc, tmp_path / "conf.d")
    assert status == 0, err
    assert "not carried over" in report_line(out, "nethcti.json cdr_script_timeout")
    assert "not carried over" in report_line(out, "asterisk.json ami_tls")
    assert "does not know" in report_line(out, "dbstatic.d/asteriskcdrdb.json billing")
    assert "not read" in report_line(out, "custom_feature.json")
    assert "exec_script" in report_line(out, "exec_script.json")
    owner = pwd.getpwuid(os.geteuid()).pw_name
    assert report_line(out, "profiles.json, users.json").endswith(
        f"readable by {owner} only, and read by nethcti while it runs: run nethcti as {owner} "
        f"(and import with --owner {owner})")
    # the CDR connection is MSSQL: history cannot start without it, so its drop-in is left out, saying why
    assert "'mssql:7_4' is not supported" in report_line(out, "dbstatic.d/asteriskcdrdb.json history_call")
    assert "history_call" in report_line(out, "[history]")
    assert not (tmp_path / "conf.d" / "70-history.toml").exists()


def test_dry_run_writes_nothing(capsys, etc, tmp_path):
    status, out, _ = import_nethvoice(capsys, etc, tmp_path / "conf.d", "--dry-run")
    assert status == 0 and "dry run" in out
    assert not (tmp_path / "conf.d").exists()


def test_existing_drop_ins_are_replaced_only_with_force_and_kept(capsys, etc, tmp_path):
    conf = tmp_path / "conf.d"
    conf.mkdir()
    (conf / "40-ami.toml").write_text('[ami]\nenabled = true\nusername = "nethcti"\nsecret = "x"\n')
    status, _, err = import_nethvoice(capsys, etc, conf)
    assert status == 1 and "40-ami.toml" in err and "--force" in err
    assert sorted(path.name for path in conf.iterdir()) == ["40-ami.toml"]  # nothing written
    status, _, err = import_nethvoice(capsys, etc, conf, "--force")
    assert status == 0, err
    assert 'username = "nethcti"' in (conf / "40-ami.toml.bak").read_text()
    assert "asterisk_json" in (conf / "40-ami.toml").read_text()
    # the same import again changes nothing and needs no --force
    status, _, err = import_nethvoice(capsys, etc, conf)
    assert status == 0, err


def test_the_secrets_may_go_elsewhere_and_to_the_service_user(capsys, etc, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving files to another user needs root")  # the suite runs as root (scripts/test)
    import pwd

    user = next((name for name in ("asterisk", "nobody") if _user_exists(name)), None)
    assert user, "neither asterisk nor nobody exists"
    secrets = tmp_path / "private"
    status, _, err = import_nethvoice(capsys, etc, tmp_path / "conf.d", "--secrets-dir", str(secrets),
                                      "--owner", user)
    assert status == 0, err
    files = list(secrets.iterdir())
    assert files and all(path.stat().st_uid == pwd.getpwnam(user).pw_uid for path in [secrets, *files])


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def run_command(*args: str) -> subprocess.CompletedProcess:
    """The installed ``nethcti`` as an administrator runs it."""
    return subprocess.run([sys.executable, "-m", "nethcti.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("damage, expected", [
    (lambda etc: shutil.rmtree(etc), "no such directory"),
    (lambda etc: (etc / "users.json").write_text('{"alice": {"name": "Alice",}}'),
     "users.json: not valid JSON: Expecting property name enclosed in double quotes at line 1, column 28"),
    (lambda etc: (etc / "dbstatic.d" / "phonebook.json").write_text('["phonebook"]'),
     "phonebook.json: must hold a JSON object, not list"),
    (lambda etc: [path.unlink() for path in etc.glob("*.json")], "does not look like nethcti-server's configuration"),
], ids=["missing directory", "malformed JSON", "not an object", "not the original's directory"])
def test_bad_input_is_one_clear_line_and_a_failure(etc, tmp_path, damage, expected):
    damage(etc)
    done = run_command("--conf-dir", str(tmp_path / "conf.d"), "import-nethvoice", str(etc))
    assert done.returncode == 1
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "conf.d").exists()


def test_an_unknown_owner_is_refused_before_anything_is_written(etc, tmp_path):
    done = run_command("--conf-dir", str(tmp_path / "conf.d"), "import-nethvoice", str(etc), "--owner",
                       "no-such-user-x")
    assert done.returncode == 1 and "--owner no-such-user-x: no such user" in done.stderr
    assert not (tmp_path / "conf.d").exists()


def test_the_import_runs_while_the_configuration_is_broken(etc, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "40-ami.toml").write_text("[ami\n")
    done = run_command("--conf-dir", str(broken), "import-nethvoice", str(etc), "-o", str(tmp_path / "conf.d"))
    assert done.returncode == 0, done.stderr
    assert "configuration OK" in done.stdout


@pytest.mark.parametrize("values, url", [
    ({"dbhost": "localhost", "dbport": "/var/lib/mysql/mysql.sock", "dbtype": "mysql", "dbuser": "nethcti",
      "dbpassword": "p@ss:w/rd%", "dbname": "nethcti3"},
     "mysql+asyncmy://nethcti:p%40ss%3Aw%2Frd%25@localhost/nethcti3"
     "?unix_socket=%2Fvar%2Flib%2Fmysql%2Fmysql.sock&charset=utf8mb4"),
    ({"dbhost": "127.0.0.1", "dbport": "3306", "dbtype": "mysql", "dbuser": "cdr", "dbpassword": "x",
      "dbname": "asteriskcdrdb"}, "mysql+asyncmy://cdr:x@127.0.0.1:3306/asteriskcdrdb?charset=utf8mb4"),
    ({"dbhost": "db.example.com", "dbport": 5432, "dbtype": "postgres", "dbuser": "u", "dbpassword": "",
      "dbname": "crm"}, "postgresql+asyncpg://u:@db.example.com:5432/crm"),
])
def test_connection_urls_are_what_sqlalchemy_reads_back(values, url):
    from sqlalchemy.engine import make_url

    assert connection_url(Connection("x", "dbstatic.d/x.json", values)) == url
    parsed = make_url(url)
    assert (parsed.username, parsed.password, parsed.database) == (values["dbuser"], values["dbpassword"],
                                                                   values["dbname"])


@pytest.mark.parametrize("value", ["³", "٣٠", "0", "65536", "-1", "80a"])
def test_a_port_that_is_not_ascii_digits_in_range_is_reported_not_a_crash(value):
    from nethcti.nethvoice.plan import Unmappable, port_number

    with pytest.raises(Unmappable):
        port_number(value)


@pytest.mark.parametrize("value", ["³", "٣٠", "0", "-1", "1h"])
def test_a_timeout_that_is_not_ascii_digits_is_reported_not_a_crash(value):
    from nethcti.nethvoice.plan import Unmappable, seconds

    with pytest.raises(Unmappable):
        seconds(value)
