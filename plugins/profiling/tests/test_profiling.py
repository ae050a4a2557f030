"""/profiling over HTTP: the shapes the clients read, only with a token, host names from conf.d or nethcti.json."""

import json
import os

import pytest
from nethcti_auth.passwords import PasswordFile
from nethcti_auth.testing import log_in

from nethcti.errors import StartupError
from nethcti.testing import base_conf, running_app

APP = """
[database]
enabled = true
[auth]
enabled = true
[users]
enabled = true
[users.profiles.basic]
name = "Basic"
permissions = ["phonebook"]
[users.accounts.alice]
profile = "basic"
mainextension = "201"
[users.accounts.bob]
profile = "basic"
mainextension = "202"
[profiling]
enabled = true
"""


def conf(tmp_path, extra: str = ""):
    conf_dir = base_conf(tmp_path, APP + extra)
    PasswordFile(tmp_path / "state" / "passwords").set("alice", "alice-pw")
    return conf_dir


async def get(app, path: str, status: int = 200, headers=None):
    client = app.test_client()
    if headers is None:
        headers = await log_in(client, "alice", "alice-pw")
    response = await client.get(f"/webrest/profiling/{path}", headers=headers)
    data = await response.get_json()
    assert response.status_code == status, (path, response.status_code, data)
    return data


async def test_all_has_the_original_s_keys_and_the_configured_host_names(tmp_path):
    async with running_app(conf(tmp_path, 'hostname = "pbx.example.com"\npublichost = "voice.example.com"\n')) as app:
        data = await get(app, "all")
        assert set(data) == {"pid", "uptime", "pkg_ver", "node_ver", "proc_mem", "db_stats", "tot_users",
                             "conn_clients", "hostname", "publichost", "server_time"}
        assert (data["hostname"], data["publichost"]) == ("pbx.example.com", "voice.example.com")
        assert data["pid"] == os.getpid() and data["tot_users"] == 2
        assert data["conn_clients"] == {"ws_conn_clients": 0, "tcp_conn_clients": {"tot": 0}}
        assert data["uptime"].startswith("0 Days - 00:00:")
        assert data["pkg_ver"]["nethcti-profiling"] == "0.1.0" and "nethcti" in data["pkg_ver"]
        assert set(data["proc_mem"]) == {"rss", "heapTotal", "heapUsed", "external"}
        assert data["proc_mem"]["rss"] > 0
        assert data["db_stats"]["numExecQueries"] >= 0
        assert await get(app, "proc_mem") == {k: pytest.approx(v, rel=0.5) for k, v in data["proc_mem"].items()}
        assert await get(app, "tot_users") == {"tot_users": 2}
        assert await get(app, "conn_clients") == data["conn_clients"]
        assert set(await get(app, "db_stats")) == {"numExecQueries"}


async def test_only_with_a_token(tmp_path):
    async with running_app(conf(tmp_path)) as app:
        for path in ("all", "proc_mem", "db_stats", "tot_users", "conn_clients"):
            assert (await get(app, path, 401, headers={}))["error_id"] == "authentication-required"
            assert (await get(app, path, 401, headers={"Authorization": "alice:bad"}))["error_id"] == "invalid-token"


async def test_host_names_from_nethvoice_s_file_and_reload(tmp_path):
    nethcti_json = tmp_path / "nethcti.json"
    nethcti_json.write_text(json.dumps({"hostname": "nv.example.com", "publichost": "public.example.com",
                                        "logfile": "/var/log/asterisk/nethcti.log"}))
    async with running_app(conf(tmp_path, f'nethcti_json = "{nethcti_json}"\n')) as app:
        data = await get(app, "all")
        assert (data["hostname"], data["publichost"]) == ("nv.example.com", "public.example.com")
        nethcti_json.write_text(json.dumps({"hostname": "new.example.com"}))
        await app.pm.acall_each("reload", app=app, isolate=True)
        data = await get(app, "all")
        assert (data["hostname"], data["publichost"]) == ("new.example.com", "")
        nethcti_json.write_text("{not json")
        await app.pm.acall_each("reload", app=app, isolate=True)
        assert (await get(app, "all"))["hostname"] == "new.example.com"  # the previous names stay


async def test_defaults_the_machine_s_name(tmp_path):
    import socket

    async with running_app(conf(tmp_path)) as app:
        data = await get(app, "all")
        assert (data["hostname"], data["publichost"]) == (socket.getfqdn(), "")


async def test_a_broken_nethcti_json_stops_start_up_with_its_name(tmp_path):
    (tmp_path / "nethcti.json").write_text("[]")
    with pytest.raises(StartupError, match=r"\[profiling\] nethcti_json .*nethcti.json"):
        async with running_app(conf(tmp_path, f'nethcti_json = "{tmp_path / "nethcti.json"}"\n')):
            pass


async def test_a_bad_host_name_is_refused_at_start_up(tmp_path):
    with pytest.raises(StartupError, match="hostname"):
        async with running_app(conf(tmp_path, 'hostname = "a b\\r\\n"\n')):
            pass


def test_uptime_reads_as_the_original_s():
    from nethcti_profiling.service import uptime_text

    assert uptime_text(3.2) == "0 Days - 00:00:04"
    assert uptime_text(86400 + 3661) == "1 Days - 01:01:01"
    assert uptime_text(40 * 86400) == "1 Months 10 Days - 00:00:00"
    assert uptime_text(400 * 86400) == "1 Years 1 Months 5 Days - 00:00:00"
