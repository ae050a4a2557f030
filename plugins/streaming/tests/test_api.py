"""The /streaming API over HTTP, against a real local camera and a fake AMI: permissions, images, opening."""

import base64

import pytest
from nethcti_streaming.testing import png

from nethcti.config import REDACTED

pytestmark = pytest.mark.asyncio


async def test_sources_are_those_the_profile_allows_without_credentials(streaming):
    async with streaming() as s:
        sources = await s.get("sources")
        assert sorted(sources) == ["vs_big", "vs_door", "vs_gate", "vs_gone", "vs_page", "vs_private", "vs_slow"]
        assert sources["vs_door"] == {"id": "vs_door", "url": f"{s.camera.url}/snapshot.png", "user": "",
                                      "cmdOpen": "1*#", "password": "", "frameRate": 100, "extension": "204",
                                      "description": "Front door"}
        assert sources["vs_private"]["user"] == "door" and sources["vs_private"]["password"] == ""
        assert sources["vs_gate"]["url"] == "http://127.0.0.1:1/unused"  # no credentials in the URL either
        assert sources["vs_gate"]["extension"] == "203" and sources["vs_gate"]["description"] == "vs_gate"
        assert await s.get("sources", "bob") == {}  # the macro, but no source
        denied = await s.get("sources", "carol", 403)
        assert denied["error_id"] == "permission-denied" and denied["details"] == {"permission": "streaming"}
        assert s.camera.requests == {}  # listing fetches nothing


async def test_image_is_fetched_from_the_source_as_a_data_url(streaming):
    async with streaming() as s:
        data = await s.get("image/vs_door")
        assert data == {"id": "vs_door", "image": "data:image/png;base64," + base64.b64encode(png(1)).decode()}
        private = await s.get("image/vs_private")  # Basic credentials of the source
        assert private["image"] == "data:image/jpeg;base64," + base64.b64encode(png(7)).decode()


async def test_a_source_password_may_be_read_from_a_file(streaming, tmp_path):
    """``password_file`` in a [streaming.sources.<id>] table, as conf.d/71-streaming.toml says."""
    secret = tmp_path / "door.pass"
    secret.write_text("open\n")
    async with streaming(private_password=f'password_file = "{secret}"') as s:
        private = await s.get("image/vs_private")  # the camera checks Basic door:open
        assert private["image"] == "data:image/jpeg;base64," + base64.b64encode(png(7)).decode()
        assert (await s.get("sources"))["vs_private"]["password"] == ""
        assert s.app.settings.redacted()["streaming"]["sources"]["vs_private"]["password"] == REDACTED  # nethcti config


@pytest.mark.parametrize(("source", "reason"), [
    ("vs_slow", "no image within 0.5 s"),
    ("vs_page", "not an image: content type 'text/html'"),
    ("vs_big", "image larger than 16384 bytes"),
    ("vs_gone", "HTTP status 404"),
    ("vs_gate", "ConnectError"),
])
async def test_a_source_without_a_usable_image_is_a_502(streaming, source, reason):
    async with streaming() as s:
        error = await s.get(f"image/{source}", status=502)
        assert error["error_id"] == "streaming-source-unreachable" and reason in error["message"]
        assert "open" not in error["message"]  # the source's password never shows


async def test_403_for_a_source_the_profile_does_not_allow_404_for_an_unknown_one_400_for_a_bad_id(streaming):
    async with streaming() as s:
        for method, path, body in (("GET", "image/vs_hidden", None), ("POST", "open", {"id": "vs_hidden"}),
                                   ("POST", "subscribe", {"id": "vs_hidden"}),
                                   ("POST", "unsubscribe", {"id": "vs_hidden"})):
            error = await s.call(method, path, status=403, body=body)
            assert error["error_id"] == "streaming-source-forbidden" and error["details"] == {"id": "vs_hidden"}
            error = await s.call(method, path.replace("vs_hidden", "vs_nowhere"), status=404,
                                 body={"id": "vs_nowhere"} if body else None)
            assert error["error_id"] == "no-such-streaming-source"
        for body in ({}, {"id": ""}, {"id": "a\r\nAction: Originate"}, {"id": 12}, {"id": "x" * 65}):
            error = await s.post("open", body, status=400)
            assert error["error_id"] == "invalid-request" and "id" in error["details"]
        error = await s.get("image/a%20b", status=400)
        assert "id" in error["details"]
        assert (await s.post("open", {"id": "vs_door"}, "carol", 403))["error_id"] == "permission-denied"
        assert s.fake.actions("Originate") == []


async def test_open_calls_the_source_s_extension_and_sends_its_dtmf(streaming):
    async with streaming() as s:
        s.fake.answer("Originate", lambda fields: [{"Response": "Success", "Message": "Originate successfully queued"}])
        assert await s.post("open", {"id": "vs_door"}) == {}
        [originate] = s.fake.actions("Originate")
        assert {k: originate.get(k) for k in ("Channel", "Application", "Data", "CallerID", "Async")} == {
            "Channel": "PJSIP/204", "Application": "SendDTMF", "Data": "w1*#", "CallerID": '"alice" <201>',
            "Async": "true"}
        # query string parameters count too, as in the original
        response = await s.http.post("/webrest/streaming/open?id=vs_door", headers=await s.headers("alice"))
        assert response.status_code == 200 and len(s.fake.actions("Originate")) == 2


async def test_open_needs_an_extension_and_a_command(streaming):
    async with streaming() as s:
        error = await s.post("open", {"id": "vs_private"}, status=409)
        assert error["error_id"] == "streaming-source-not-openable"
        error = await s.post("open", {"id": "vs_gate"}, status=409)  # an extension, but no open command
        assert error["error_id"] == "streaming-source-not-openable"


async def test_asterisk_refusing_the_call_is_reported(streaming):
    async with streaming() as s:
        s.fake.answer("Originate", lambda fields: [{"Response": "Error", "Message": "Originate failed"}])
        assert (await s.post("open", {"id": "vs_door"}, status=502))["error_id"] == "ami-error"


async def test_reload_reads_the_sources_again(streaming, tmp_path):
    async with streaming() as s:
        conf = tmp_path / "conf.d"
        text = (conf / "70-streaming.toml").read_text().replace('description = "Front door"', 'description = "Back"')
        (conf / "70-streaming.toml").write_text(text)
        await s.app.pm.acall_each("reload", app=s.app, isolate=True)
        assert (await s.get("sources"))["vs_door"]["description"] == "Back"
        (conf / "70-streaming.toml").write_text(text.replace("frame_rate = 100", "frame_rate = 1"))
        await s.app.pm.acall_each("reload", app=s.app, isolate=True)  # invalid: the previous sources stay
        assert (await s.get("sources"))["vs_door"]["frameRate"] == 100
