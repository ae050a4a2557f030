"""Password backends: the CLI-managed file, PAM with a real system account, a third-party backend."""

import os
import shutil
import subprocess
import sys
import uuid

import pytest
from nethcti_auth.testing import log_in

from nethcti import hookimpl
from nethcti.cli import main
from nethcti.testing import base_conf, running_app


def passwd(conf_dir, monkeypatch, *args, stdin="") -> int:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--conf-dir", str(conf_dir), "user", "passwd", *args])


async def test_nethcti_user_passwd_sets_the_password(conf_dir, monkeypatch, capsys):
    assert passwd(conf_dir, monkeypatch, "Alice", stdin="n3w pass\n") == 0
    assert "password of alice set" in capsys.readouterr().out
    async with running_app(conf_dir) as app:
        client = app.test_client()
        await log_in(client, "alice", "n3w pass")
        response = await client.post("/authentication/login", json={"username": "alice", "password": "alice-pw"})
        assert "WWW-Authenticate" not in response.headers


def test_nethcti_user_passwd_refuses_unknown_users_and_empty_passwords(conf_dir, monkeypatch, capsys):
    assert passwd(conf_dir, monkeypatch, "mallory", stdin="x\n") == 1
    assert "not configured" in capsys.readouterr().err
    assert passwd(conf_dir, monkeypatch, "alice", stdin="\n") == 1
    assert passwd(conf_dir, monkeypatch, "--delete", "bob") == 0
    assert passwd(conf_dir, monkeypatch, "--delete", "bob") == 1


class LdapLike:
    """A third-party plugin adding a password backend through the auth plugin's hook."""

    class Backend:
        async def check(self, user, login, password):
            return password == f"{user.username}-from-directory"

    @hookimpl
    def register_password_backends(self):
        return {"directory": lambda app: self.Backend()}


async def test_a_plugin_adds_a_backend(make_conf):
    async with running_app(make_conf('backend = "directory"\n'), extra_plugins=[("ldaplike", LdapLike())]) as app:
        client = app.test_client()
        await log_in(client, "bob", "bob-from-directory")
        response = await client.post("/authentication/login", json={"username": "bob", "password": "bob-pw"})
        assert response.status_code == 401 and "WWW-Authenticate" not in response.headers


async def test_an_unknown_backend_stops_start_up(make_conf):
    with pytest.raises(Exception) as caught:
        async with running_app(make_conf('backend = "kerberos"\n')):
            pass
    assert "[auth] backend 'kerberos' is unknown; known: file, pam" in str(caught.value)


@pytest.fixture
def system_user():
    """A throwaway system account with a password (needs root and shadow's useradd)."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("creating a system account needs root and useradd")
    pytest.importorskip("pam")
    name = f"ncti{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        subprocess.run(["chpasswd"], input=f"{name}:Pam-T3st-pw\n", text=True, check=True)
        yield name, "Pam-T3st-pw"
    finally:
        subprocess.run(["userdel", name], check=False)


async def test_pam_authenticates_system_accounts(tmp_path, system_user):
    name, password = system_user
    conf_dir = base_conf(tmp_path, f"""
        [users]
        enabled = true
        [users.profiles.basic]
        permissions = ["settings.dnd"]
        [users.accounts.{name}]
        profile = "basic"
        mainextension = "501"
        [database]
        enabled = true
        [auth]
        enabled = true
        backend = "pam"
        pam_service = "login"
    """)
    async with running_app(conf_dir) as app:
        client = app.test_client()
        headers = await log_in(client, name, password)
        assert (await client.get("/authentication/phone_island_token_check", headers=headers)).status_code == 200
        await log_in(client, "501", password)  # by extension: PAM is asked about the owner
        response = await client.post("/authentication/login", json={"username": name, "password": "wrong"})
        assert response.status_code == 401 and "WWW-Authenticate" not in response.headers
