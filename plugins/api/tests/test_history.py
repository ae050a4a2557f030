"""/api/history/calls and /api/history/statuses mapped onto the history plugin, as the middleware maps them."""

from pathlib import Path

from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_api.testing import api_login, bearer
from nethcti_astproxy.testing import PASSWORDS, demo_conf, fake_ami_answers, read_transcript
from nethcti_auth.testing import log_in
from nethcti_history.testing import SAMPLE_ROWS, create_cdr

from nethcti.testing import running_app, write_conf

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "astproxy" / "tests" / "transcripts"
CONF = """
[users.profiles.full]
permissions = ["cdr.ad_cdr", "cdr.group_cdr", "settings.recording"]
[astproxy.operator_groups]
Support = ["alice", "bob"]
[static]
enabled = true
[history]
enabled = true
cdr_url = "{url}"
[api]
enabled = true
"""


async def test_calls_are_the_legacy_routes_pages(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cdr.db'}"
    await create_cdr(url, SAMPLE_ROWS)
    async with FakeAMI() as fake:
        fake_ami_answers(fake, read_transcript(TRANSCRIPTS / "basic_call.jsonl").raw["boot"])
        conf_dir = demo_conf(tmp_path, fake.port, "nethcti", "secret")
        write_conf(conf_dir, "70-history.toml", CONF.format(url=url))
        async with running_app(conf_dir) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            client = app.test_client()
            jwt, legacy = await api_login(client, "alice", PASSWORDS["alice"]), await log_in(client, "alice",
                                                                                           PASSWORDS["alice"])

            async def api(**query):
                response = await client.get("/api/history/calls", headers=bearer(jwt), query_string=query)
                assert response.status_code == 200, await response.get_data(as_text=True)
                return await response.get_json()

            async def webrest(path, **query):
                response = await client.get(f"/webrest{path}", headers=legacy, query_string=query)
                assert response.status_code == 200
                return await response.get_json()

            every = await webrest("/historycall/interval/user/alice/20240301/20240310", sort="time desc")
            assert every["count"] >= 3
            first = await api(callType="user", username="alice", **{"from": "20240301"}, to="20240310",
                              sort="time desc", pageNum=1, pageSize=2)
            second = await api(callType="user", username="alice", **{"from": "20240301"}, to="20240310",
                               sort="time desc", pageNum=2, pageSize=2)
            assert first["count"] == every["count"] and first["rows"] + second["rows"] == every["rows"][:4]
            switch = await api(callType="switchboard", username="alice", **{"from": "20240301"}, to="20240310")
            assert switch == await webrest("/histcallswitch/interval/20240301/20240310", limit=10)
            groups = await api(callType="group", username="alice", **{"from": "20240301"}, to="20240310")
            assert groups == await webrest("/histcallsgroups/interval/20240301/20240310", limit=10)
            assert await api(callType="user", username="alice", **{"from": "20240301"}, to="20240310",
                             artifact="summary") == {"count": 0, "rows": []}

            response = await client.post("/api/history/statuses", headers=bearer(jwt),
                                         json={"lookups": [{"uniqueid": "1.1", "linkedid": "1.0"}]})
            assert (await response.get_json())["data"] == [
                {"uniqueid": "1.1", "linkedid": "1.0", "has_summary": False, "has_transcription": False,
                 "error": "not_found"}]
            response = await client.post("/api/history/statuses", headers=bearer(jwt), json={"uniqueids": []})
            assert response.status_code == 400
