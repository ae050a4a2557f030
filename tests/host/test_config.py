"""conf.d: merge order, parse errors naming file and line, secrets from files (nested too), validation messages."""

import pytest
from marshmallow import Schema, fields

from nethcti.config import REDACTED, RawConfig, conf_dir_from, read_conf_dir, secret_field, validate_section
from nethcti.errors import StartupError
from nethcti.server import bootstrap
from nethcti.testing import base_conf, write_conf


def test_later_files_win_and_tables_merge(tmp_path):
    write_conf(tmp_path, "10-a.toml", '[server]\nport = 1000\nhost = "127.0.0.1"\n[x]\nlist = [1]\n[x.sub]\na = 1\n')
    write_conf(tmp_path, "20-b.toml", "[server]\nport = 2000\n[x.sub]\nb = 2\n")
    write_conf(tmp_path, "05-first.toml", "[server]\nport = 5\n")
    write_conf(tmp_path, "README", "not toml at all [")  # only *.toml files are read
    raw = read_conf_dir(tmp_path)
    assert raw.sections["server"] == {"port": 2000, "host": "127.0.0.1"}
    assert raw.sections["x"] == {"list": [1], "sub": {"a": 1, "b": 2}}
    assert raw.origin("server", "port").endswith("20-b.toml")
    assert raw.origin("server", "host").endswith("10-a.toml")


def test_parse_error_names_the_file_and_line(tmp_path):
    write_conf(tmp_path, "30-broken.toml", "[server]\nport = 80\nhost = \n")
    with pytest.raises(StartupError, match=r"30-broken\.toml: .*line 3"):
        read_conf_dir(tmp_path)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(StartupError, match="does not exist"):
        read_conf_dir(tmp_path / "nope")


def test_conf_dir_from_argument_then_environment_then_default(monkeypatch):
    monkeypatch.setenv("NETHCTI_CONF_DIR", "/from/env")
    assert str(conf_dir_from("/from/arg")) == "/from/arg"
    assert str(conf_dir_from(None)) == "/from/env"
    monkeypatch.delenv("NETHCTI_CONF_DIR")
    assert str(conf_dir_from(None)) == "/etc/nethcti/conf.d"


def test_server_defaults_and_invalid_value_names_file_and_key(tmp_path):
    settings, _ = bootstrap(base_conf(tmp_path))
    assert settings.server["port"] == 8179
    assert settings.server["base_path"] == "/webrest"
    assert settings.server["cors_origins"] == ["*"]
    write_conf(tmp_path / "conf.d", "40-port.toml", '[server]\nport = "eighty"\n')
    with pytest.raises(StartupError, match=r"40-port\.toml: \[server\] port: Not a valid integer"):
        bootstrap(tmp_path / "conf.d")


def test_unknown_key_is_refused_with_its_file(tmp_path):
    write_conf(tmp_path, "10-server.toml", "[server]\nprot = 80\n")
    with pytest.raises(StartupError, match=r"10-server\.toml: \[server\] prot: Unknown field"):
        bootstrap(tmp_path)


def test_enabled_must_be_a_boolean(tmp_path):
    write_conf(tmp_path, "10-x.toml", '[logging]\nenabled = "yes"\n')
    with pytest.raises(StartupError, match=r"10-x\.toml: \[logging\] enabled must be true or false"):
        bootstrap(tmp_path)


def test_secret_read_from_file_and_redacted(tmp_path):
    from marshmallow import Schema, fields

    from nethcti.config import secret_field

    class AmiLike(Schema):
        username = fields.String()
        secret = secret_field(load_default="")

    secret_path = tmp_path / "secret"
    secret_path.write_text("s3cr3t\n")
    write_conf(tmp_path, "10-ami.toml", f'[fake]\nusername = "u"\nsecret_file = "{secret_path}"\n')
    raw = read_conf_dir(tmp_path)
    values, schema = validate_section(raw, "fake", AmiLike)
    assert values == {"username": "u", "secret": "s3cr3t"}

    from nethcti.config import Settings

    settings = Settings(raw, server={}, sections={"fake": values}, schemas={"fake": schema})
    assert settings.redacted()["fake"] == {"username": "u", "secret": REDACTED}


def test_nested_secrets_are_redacted(tmp_path):
    from marshmallow import Schema, fields

    from nethcti.config import Settings, secret_field

    class Extension(Schema):
        id = fields.String()
        password = secret_field()

    class Account(Schema):
        extensions = fields.List(fields.Nested(Extension))

    class Accounts(Schema):
        accounts = fields.Dict(keys=fields.String(), values=fields.Nested(Account))

    write_conf(tmp_path, "10-u.toml", '[u.accounts.alice]\nextensions = [{id = "201", password = "sip"}]\n')
    raw = read_conf_dir(tmp_path)
    values, schema = validate_section(raw, "u", Accounts)
    redacted = Settings(raw, server={}, sections={"u": values}, schemas={"u": schema}).redacted()
    assert redacted["u"] == {"accounts": {"alice": {"extensions": [{"id": "201", "password": REDACTED}]}}}


def test_unreadable_secret_file_names_the_key(tmp_path):
    from marshmallow import Schema

    from nethcti.config import secret_field

    class WithSecret(Schema):
        secret = secret_field()

    write_conf(tmp_path, "10-ami.toml", '[fake]\nsecret_file = "/does/not/exist"\n')
    with pytest.raises(StartupError, match=r"10-ami\.toml: \[fake\] secret_file: .*No such file"):
        validate_section(read_conf_dir(tmp_path), "fake", WithSecret)


def test_origin_falls_back_to_the_directory():
    assert RawConfig(conf_dir=__import__("pathlib").Path("/etc/x")).origin("nothing") == "/etc/x"



class Login(Schema):
    user = fields.String()
    password = secret_field()


class Connection(Schema):
    url = secret_field(required=True)
    login = fields.Nested(Login)
    backups = fields.List(fields.Nested(Login), load_default=list)


class NestedSecrets(Schema):
    """Secrets at every depth a plugin puts them: a dict of tables, a table, a list of tables."""

    token = secret_field(load_default="")
    connections = fields.Dict(keys=fields.String(), values=fields.Nested(Connection), load_default=dict)


def test_nested_secrets_are_read_from_files_at_any_depth_and_redacted(tmp_path):
    from nethcti.config import Settings

    for name, text in {"url": "mysql+asyncmy://u:pw@db/x\n", "login": "hunter2\r\n", "backup": "b4ckup"}.items():
        (tmp_path / name).write_text(text)
    write_conf(tmp_path / "conf.d", "10-x.toml", f"""
[x.connections.pb]
url_file = "{tmp_path / 'url'}"
login = {{ user = "u", password_file = "{tmp_path / 'login'}" }}
backups = [{{ user = "a", password = "inline" }}, {{ user = "b", password_file = "{tmp_path / 'backup'}" }}]
[x.connections.plain]
url = "sqlite+aiosqlite:///x.db"
""")
    raw = read_conf_dir(tmp_path / "conf.d")
    values, schema = validate_section(raw, "x", NestedSecrets)
    assert values["connections"] == {
        "pb": {"url": "mysql+asyncmy://u:pw@db/x", "login": {"user": "u", "password": "hunter2"},
               "backups": [{"user": "a", "password": "inline"}, {"user": "b", "password": "b4ckup"}]},
        "plain": {"url": "sqlite+aiosqlite:///x.db", "backups": []}}
    redacted = Settings(raw, server={}, sections={"x": values}, schemas={"x": schema}).redacted()["x"]
    assert redacted["connections"]["pb"] == {"url": REDACTED, "login": {"user": "u", "password": REDACTED},
                                             "backups": [{"user": "a", "password": REDACTED},
                                                         {"user": "b", "password": REDACTED}]}
    assert "hunter2" not in str(redacted) and "b4ckup" not in str(redacted) and ":pw@" not in str(redacted)


@pytest.mark.parametrize(("toml", "message"), [
    ('[x.connections.pb]\nurl_file = "/does/not/exist"\n',
     r"10-x\.toml: \[x\] connections\.pb\.url_file: .*No such file"),
    ('[x.connections.pb]\nurl = "u"\nlogin = { password_file = "/does/not/exist" }\n',
     r"10-x\.toml: \[x\] connections\.pb\.login\.password_file: .*No such file"),
    ('[x.connections.pb]\nurl = "u"\nbackups = [{}, { password_file = "/does/not/exist" }]\n',
     r"10-x\.toml: \[x\] connections\.pb\.backups\[1\]\.password_file: .*No such file"),
    ('[x.connections.pb]\nurl = "u"\nurl_file = "/etc/hostname"\n',
     r"10-x\.toml: \[x\] connections\.pb\.url_file: url is given too; keep one of the two"),
    ('[x]\ntoken = "t"\ntoken_file = "/etc/hostname"\n',
     r"10-x\.toml: \[x\] token_file: token is given too; keep one of the two"),
    ('[x.connections.pb]\nurl_file = 3\n', r"\[x\] connections\.pb\.url_file: must be the path of a file"),
    ('[x.connections.pb]\nurl_file = "{tmp}"\n', r"\[x\] connections\.pb\.url_file: .*Is a directory"),
    ('[x.connections.pb]\nurl_file = "{tmp}/latin1"\n', r"\[x\] connections\.pb\.url_file: .*codec can't decode"),
])
def test_a_nested_secret_file_that_cannot_be_used_names_its_full_key(tmp_path, toml, message):
    (tmp_path / "latin1").write_bytes("città".encode("latin-1"))
    write_conf(tmp_path / "conf.d", "10-x.toml", toml.replace("{tmp}", str(tmp_path)))
    with pytest.raises(StartupError, match=message):
        validate_section(read_conf_dir(tmp_path / "conf.d"), "x", NestedSecrets)


def test_a_nested_secret_file_error_names_the_drop_in_that_set_it(tmp_path):
    write_conf(tmp_path / "conf.d", "10-x.toml", '[x]\ntoken = "t"\n[x.connections.pb]\nurl = "u"\n')
    write_conf(tmp_path / "conf.d", "20-local.toml", '[x.connections.pb]\nlogin = { password_file = "/nope" }\n')
    with pytest.raises(StartupError, match=r"20-local\.toml: \[x\] connections\.pb\.login\.password_file: "):
        validate_section(read_conf_dir(tmp_path / "conf.d"), "x", NestedSecrets)


def test_a_file_key_of_a_field_that_is_not_secret_stays_unknown(tmp_path):
    write_conf(tmp_path / "conf.d", "10-x.toml",
               '[x.connections.pb]\nurl = "u"\nlogin = { user_file = "/etc/hostname" }\n')
    with pytest.raises(StartupError, match=r"\[x\] connections: .*Unknown field"):
        validate_section(read_conf_dir(tmp_path / "conf.d"), "x", NestedSecrets)
