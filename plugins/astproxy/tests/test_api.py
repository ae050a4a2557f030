"""The /astproxy read API over HTTP, logged in as the NethVoice clients do, with the PBX played by a fake AMI
answering the list actions recorded on the demo PBX (tests/transcripts)."""

import json
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nethcti_ami.testing import FakeAMI, wait_until
from nethcti_astproxy.testing import demo_conf, fake_ami_answers
from nethcti_auth.testing import log_in

from nethcti.testing import running_app

SAMPLES = Path(__file__).with_name("samples")
PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}


def sample(name: str):
    return json.loads((SAMPLES / f"astproxy_{name}.json").read_text())


@asynccontextmanager
async def serving(tmp_path, recorded, checkpoint="boot", extra=""):
    """A running app whose AMI answers the list actions as recorded at ``checkpoint``; yields (app, get)."""
    async with FakeAMI() as fake:
        fake_ami_answers(fake, recorded.raw[checkpoint])
        async with running_app(demo_conf(tmp_path, fake.port, "nethcti", "secret", extra)) as app:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded")
            client = app.test_client()
            logins = {}

            async def get(path, user="alice", status=200):
                if user not in logins:
                    logins[user] = await log_in(client, user, PASSWORDS[user])
                response = await client.get(f"/webrest/astproxy/{path}", headers=logins[user])
                body = await response.get_json()
                assert response.status_code == status, (path, user, body)
                return body

            get.fake = fake
            yield app, get


def shape(value):
    """The JSON's structure: keys and value types, recursively."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


async def test_json_is_the_original_s(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call")) as (_app, get):
        extensions = await get("extensions")
        expected = sample("extensions")
        assert set(extensions) == {"201", "91201", "202", "203", "204"}
        for exten, original in expected.items():
            assert shape(extensions[exten]) == shape(original)
            assert {**extensions[exten], "port": original["port"]} == original
        assert extensions["204"]["status"] == "offline" and extensions["204"]["ip"] == ""
        assert {**await get("extension/201"), "port": "25070"} == sample("extension_201")
        queues = await get("queues")
        for queue in queues.values():  # the sample's PBX had no service level set; the demo PBX has 60 s
            assert queue.pop("serviceLevelTimePeriod") == "60"
        assert queues == {qid: {k: v for k, v in queue.items() if k != "serviceLevelTimePeriod"}
                          for qid, queue in sample("queues").items()}
        assert await get("parkings") == sample("parkings")
        assert await get("prefix") == sample("prefix")
        assert await get("trunks") == sample("trunks")
        assert await get("opgroups") == sample("opgroups")
        assert await get("conference/201") == sample("conference_201")


async def test_conversation_json(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call"), "connected") as (_app, get):
        alice = (await get("extension/201"))["conversations"]
        (convid, conv), = alice.items()
        assert convid == "PJSIP/201-00000000>PJSIP/202-00000001"
        assert set(conv) == {"id", "owner", "chDest", "linkedId", "uniqueId", "chSource", "duration", "startTime",
                             "connected", "recording", "direction", "inConference", "throughQueue", "throughTrunk",
                             "counterpartNum", "counterpartName"}
        assert set(conv["chSource"]) == {"type", "channel", "callerNum", "startTime", "callerName", "bridgedNum",
                                         "bridgedName", "inConference", "channelStatus", "bridgedChannel"}
        assert conv["owner"] == "201" and conv["direction"] == "out" and conv["connected"] is True
        assert conv["recording"] == "false" and isinstance(conv["duration"], int) and conv["duration"] >= 0
        assert conv["startTime"] == conv["chSource"]["startTime"] == 1000 * int(conv["uniqueId"].split(".")[0])
        assert (await get("extension/202"))["conversations"][convid]["direction"] == "in"


async def test_privacy_masks_other_people_s_calls(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call"), "connected") as (_app, get):
        clear = (await get("extensions", "alice"))["201"]["conversations"]
        masked = (await get("extensions", "carol"))["201"]["conversations"]
        (conv,) = masked.values()
        assert (conv["counterpartNum"], conv["counterpartName"]) == ("xxx", "xxx")
        assert conv["chSource"]["callerNum"] == "xxx" and conv["chSource"]["callerName"] == "xxx"
        assert conv["id"] == next(iter(clear))  # ids stay: operations need them
        own = (await get("extensions", "bob"))["202"]["conversations"]  # his own extension: in clear
        assert next(iter(own.values()))["counterpartNum"] == "201"
        other = (await get("extensions", "bob"))["201"]["conversations"]
        assert next(iter(other.values()))["counterpartNum"] == "xxx"


async def test_queue_calls_are_clear_for_queue_supervisors(tmp_path, transcript):
    async with serving(tmp_path, transcript("queue_answer"), "connected") as (_app, get):
        def agent(extensions):
            return next(iter(extensions["201"]["conversations"].values()))

        assert agent(await get("extensions", "dave"))["counterpartNum"] == "203"  # ad_queue_agent
        assert agent(await get("extensions", "carol"))["counterpartNum"] == "xxx"
        assert agent(await get("extensions", "alice"))["counterpartNum"] == "203"


async def test_waiting_callers_are_masked_without_ad_queue_agent(tmp_path, transcript):
    async with serving(tmp_path, transcript("queue_waiting"), "waiting") as (_app, get):
        (caller,) = (await get("queues", "bob"))["402"]["waitingCallers"].values()
        assert (caller["num"], caller["name"], caller["position"]) == ("xxx", "xxx", "1")
        (caller,) = (await get("queues", "alice"))["402"]["waitingCallers"].values()
        assert (caller["num"], caller["name"], caller["queue"]) == ("203", "Carol Verdi", "402")
        assert isinstance(caller["waiting"], int) and caller["id"] == caller["channel"]


async def test_permissions(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call")) as (_app, get):
        for path in ("queues", "parkings", "trunks", "qmanager_queues", "opdata", "dnd/203"):
            body = await get(path, "carol", 403)
            assert body["error_id"] == "permission-denied"
        for path in ("extensions", "extension/201", "prefix", "opgroups", "conference/203"):
            await get(path, "carol")
        assert (await get("conference/202", "alice", 403))["error_id"] == "not-your-extension"
        assert (await get("dnd/202", "alice", 403))["error_id"] == "not-your-extension"
        assert (await get("extension/999", "alice", 404))["error_id"] == "no-such-extension"
        assert (await get("extension/2%0D01", "alice", 400))["error_id"] == "invalid-request"


async def test_supervisor_and_operator_queues(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call")) as (_app, get):
        assert list(await get("qmanager_queues", "alice")) == ["401"]
        assert list(await get("qmanager_queues", "dave")) == ["402"]
        opdata = await get("opdata", "alice")
        assert opdata["inQueue"] == "401" and opdata["waitingQueue"] == "ctiopqueue3"
        assert opdata["401"]["name"] == "Support" and "ctiopqueue3" not in opdata  # no such queue on this PBX


async def test_conference_and_parking(tmp_path, transcript):
    async with serving(tmp_path, transcript("conference"), "joined") as (_app, get):
        conference = await get("conference/201")
        assert conference["id"] == "201" and set(conference["users"]) == {"201", "202"}
        assert await get("conference/202", "bob") == {}  # bob is in alice's room, he has none of his own
    async with serving(tmp_path, transcript("park"), "parked") as (_app, get):
        parked = (await get("parkings", "alice"))["701"]["parkedCaller"]
        assert parked["num"] == "202" and parked["parkeeNum"] == "201"
        assert (await get("parkings", "bob"))["701"]["parkedCaller"]["num"] == "xxx"


async def test_dnd_reads_astdb_and_corrects_the_model(tmp_path, transcript):
    async with serving(tmp_path, transcript("basic_call")) as (_app, get):
        assert await get("dnd/201") == {"exten": "201", "dnd": "off"}
        get.fake.answer("DBGet", lambda fields: [
            {"Response": "Success", "EventList": "start", "Message": "Result will follow"},
            {"Event": "DBGetResponse", "Family": fields["Family"], "Key": fields["Key"], "Val": "YES"},
            {"Event": "DBGetComplete", "EventList": "Complete", "ListItems": "1"},
        ])
        assert await get("dnd/201") == {"exten": "201", "dnd": "on"}
        assert (await get("extension/201"))["dnd"] is True


async def test_events_keep_the_model(tmp_path, transcript):
    recorded = transcript("basic_call")
    async with serving(tmp_path, recorded) as (app, get):
        await get.fake.push(*[dict(e) for e in recorded.until("connected")])
        astproxy = app.extensions["astproxy"]

        def talking():
            ext = astproxy.extension("202")
            return ext.status == "busy" and len(astproxy.conversations("202")) == 1

        await wait_until(talking, "bob talks to alice")
        (ref,) = astproxy.conversations("201")
        assert ref.id == "PJSIP/201-00000000>PJSIP/202-00000001" and ref.counterpart.name == "PJSIP/202-00000001"
        assert astproxy.conversation("202", ref.id).channel.name == "PJSIP/202-00000001"
        assert (await get("extension/202"))["status"] == "busy"


async def test_not_ready_until_loaded(tmp_path, transcript):
    async with FakeAMI() as fake:
        fake.answer("PJSIPShowEndpoints", lambda fields: None)  # Asterisk never answers
        async with running_app(demo_conf(tmp_path, fake.port, "nethcti", "secret")) as app:
            await wait_until(lambda: app.extensions["ami"].connected, "AMI is up")
            client = app.test_client()
            headers = await log_in(client, "alice", "alice-pw")
            response = await client.get("/webrest/astproxy/extensions", headers=headers)
            assert response.status_code == 503
            assert (await response.get_json())["error_id"] == "pbx-model-not-ready"
            assert (await client.get("/webrest/astproxy/prefix", headers=headers)).status_code == 200


async def test_reloaded_at_every_link_up(tmp_path, transcript):
    recorded = transcript("basic_call")
    async with serving(tmp_path, recorded) as (app, get):
        astproxy = app.extensions["astproxy"]
        fake_ami_answers(get.fake, recorded.raw["connected"])
        get.fake.drop_clients()
        await wait_until(lambda: astproxy.loads == 2, "loaded again after the reconnection")
        assert len(astproxy.conversations("201")) == 1
        fake_ami_answers(get.fake, recorded.raw["end"])
        get.fake.drop_clients()
        await wait_until(lambda: astproxy.loads == 3, "loaded a third time")
        assert not astproxy.conversations("201") and (await get("extension/201"))["status"] == "online"


@pytest.mark.parametrize("name", ["conference", "park", "queue_waiting"])
async def test_load_is_fast_and_complete(tmp_path, transcript, name):
    recorded = transcript(name)
    checkpoint = [item for kind, item in recorded.steps if kind == "snapshot"][1]
    started = time.monotonic()
    async with serving(tmp_path, recorded, checkpoint) as (app, _get):
        assert time.monotonic() - started < 10
        status = app.extensions["astproxy"].status()
        assert status["loaded"] and status["extensions"] == 5 and status["queues"] == 2
