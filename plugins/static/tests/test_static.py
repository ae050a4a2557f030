"""The static plugin: one download per file, without a token; nothing else in or out of its directory reachable."""

from __future__ import annotations

import os
import time

import pytest

from nethcti.testing import base_conf, running_app


@pytest.fixture
def conf(tmp_path):
    return base_conf(tmp_path, "[static]\nenabled = true\nttl = 60\n")


async def test_published_file_downloads_once(conf, tmp_path):
    async with running_app(conf) as app:
        files, client = app.extensions["static"], app.test_client()
        source = tmp_path / "call.wav"
        source.write_bytes(b"RIFF" + bytes(100_000))
        name = await files.publish(source, ".wav")
        assert name.endswith(".wav") and len(name) == 36 and source.exists()
        other = await files.publish(b"hello", ".txt")
        assert other != name and files.count() == 2

        response = await client.get(f"/static/{other}")  # at the root and under the base path
        assert response.status_code == 200 and await response.get_data() == b"hello"
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.headers["Cache-Control"] == "no-store"

        response = await client.get(f"/webrest/static/{name}")
        assert response.status_code == 200 and await response.get_data() == source.read_bytes()
        assert response.headers["Content-Length"] == "100004"
        for again in (name, other):
            response = await client.get(f"/webrest/static/{again}")
            assert response.status_code == 404 and (await response.get_json())["error_id"] == "no-such-file"
        assert files.count() == 0 and files.served == 2
        status = (await (await client.get("/status")).get_json())["plugins"]["static"]
        assert status["served"] == 2


async def test_expired_files_are_swept(conf):
    async with running_app(conf) as app:
        files = app.extensions["static"]
        name = await files.publish(b"x")
        old = time.time() - 61
        os.utime(files.directory / name, (old, old))
        assert (await app.test_client().get(f"/static/{name}")).status_code == 404  # too old to serve
        name = await files.publish(b"x")
        os.utime(files.directory / name, (old, old))
        assert files.sweep() == 1 and files.count() == 0 and files.expired == 1


@pytest.mark.parametrize(
    "path",
    [
        "/static/../state/nethcti.db",
        "/static/..%2F..%2Fetc%2Fpasswd",
        "/static/%2e%2e/secret",
        "/static/a%00b",
        "/static/" + "A" * 5000,
        "/static/.tmp-x",
        "/static/sub/dir/file",
        "/static/",
        "/static/%ff%fe",
        "/webrest/static/..",
        "/static/" + "A" * 32 + ".wav/..",
    ],
)
async def test_nothing_else_is_reachable(conf, tmp_path, path):
    async with running_app(conf) as app:
        (tmp_path / "secret").write_text("secret")
        response = await app.test_client().get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert b"secret" not in await response.get_data()


async def test_symlinks_and_foreign_files_are_not_served(conf, tmp_path):
    async with running_app(conf) as app:
        files, client = app.extensions["static"], app.test_client()
        (tmp_path / "secret").write_text("secret")
        link = "B" * 32 + ".txt"
        os.symlink(tmp_path / "secret", files.directory / link)
        assert (await client.get(f"/static/{link}")).status_code == 404
        directory = "C" * 32
        (files.directory / directory).mkdir()
        assert (await client.get(f"/static/{directory}")).status_code == 404
        assert (tmp_path / "secret").read_text() == "secret"


async def test_bad_suffix(conf):
    async with running_app(conf) as app:
        with pytest.raises(ValueError):
            await app.extensions["static"].publish(b"x", "/../x")
