"""Against a real ``nethcti serve`` on a loopback port, with httpx: the clients' login, a reload, logout."""

import socket
import subprocess
import sys
import time

import httpx
import pytest
from nethcti_auth.testing import client_token

from nethcti.testing import base_conf, write_conf

ACCOUNTS = """
[users]
enabled = true
[users.profiles.basic]
permissions = ["settings.dnd"]
[users.accounts.alice]
name = "Alice"
profile = "basic"
mainextension = "201"
[database]
enabled = true
[auth]
enabled = true
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nethcti(conf_dir, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), *args],
                          capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    conf_dir = base_conf(tmp_path, ACCOUNTS)
    write_conf(conf_dir, "01-port.toml", f'[server]\nport = {port}\n')
    assert nethcti(conf_dir, "user", "passwd", "alice", input="correct horse\n").returncode == 0
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "nethcti.cli", "--conf-dir", str(conf_dir), "serve"],
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "nethcti serve did not start"
            time.sleep(0.1)
        yield base, conf_dir
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def login(http: httpx.Client, username: str, password: str) -> dict:
    response = http.post("/webrest/authentication/login", json={"username": username, "password": password})
    assert response.status_code == 401
    nonce = response.headers["www-authenticate"].split(" ")[1]
    return {"Authorization": f"{username}:{client_token(username, password, nonce)}"}


def test_login_token_reload_logout_over_http(server):
    base, conf_dir = server
    with httpx.Client(base_url=base, timeout=10) as http:
        response = http.post("/webrest/authentication/login", json={"username": "alice", "password": "wrong"})
        assert response.status_code == 401 and "www-authenticate" not in response.headers
        assert response.json()["error_id"] == "invalid-credentials"

        headers = login(http, "alice", "correct horse")
        check = "/webrest/authentication/phone_island_token_check"
        assert http.get(check, headers=headers).json() == {"exists": False}
        assert http.get(check, headers={"Authorization": "alice"}).status_code == 400

        # a user added to conf.d is there after `nethcti reload`, and sessions survive it
        write_conf(conf_dir, "60-bob.toml", '[users.accounts.bob]\nprofile = "basic"\nmainextension = "202"\n')
        assert nethcti(conf_dir, "user", "passwd", "bob", input="bob pass\n").returncode == 0
        assert nethcti(conf_dir, "reload").returncode == 0
        deadline = time.monotonic() + 10
        while http.post("/authentication/login", json={"username": "bob", "password": "bob pass"}).headers.get(
                "www-authenticate") is None:
            assert time.monotonic() < deadline, "bob never appeared after reload"
            time.sleep(0.1)
        assert http.get(check, headers=headers).status_code == 200

        assert http.post("/webrest/authentication/logout", headers=headers).status_code == 200
        response = http.get(check, headers=headers)
        assert response.status_code == 401 and response.json()["error_id"] == "invalid-token"


@pytest.mark.parametrize("username", ["al\r\nice", "al\nice", "a\x00b", "caf\u00e9\u260e", "x" * 255])
def test_a_login_name_that_cannot_be_a_header_is_an_unknown_user(server, username):
    """The name goes back in the ``message`` header: made safe there, never a 500 or a dropped connection."""
    base, _ = server
    with httpx.Client(base_url=base, timeout=10) as http:
        response = http.post("/webrest/authentication/login", json={"username": username, "password": "x"})
        assert response.status_code == 401 and response.json()["error_id"] == "user-not-configured"
        assert response.headers["message"].isprintable() and response.headers["message"].isascii()
        assert http.get("/status").status_code == 200
