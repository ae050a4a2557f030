"""register_path_prefixes: every route answers under a plugin's prefix too, socket.io at its path there."""

import pytest
from quart import Blueprint, request

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti.server import build
from nethcti.testing import base_conf, running_app
from nethcti.web import public

routes = Blueprint("where", __name__)


@routes.get("/where")
@public
async def where():
    return {"root_path": request.root_path}


class Front:
    def __init__(self, prefix: str = "/front"):
        self.prefix = prefix

    @hookimpl
    def register_path_prefixes(self):
        return {self.prefix: f"{self.prefix}/ws"}

    @hookimpl
    def register_routes(self):
        return routes


async def test_routes_answer_under_every_prefix(tmp_path):
    async with running_app(base_conf(tmp_path), extra_plugins=[("front", Front())]) as app:
        client = app.test_client()
        for path, root_path in (("/where", ""), ("/webrest/where", "/webrest"), ("/front/where", "/front")):
            response = await client.get(path)
            assert response.status_code == 200 and await response.get_json() == {"root_path": root_path}, path
        assert (await client.get("/frontier/where")).status_code == 404
        response = await client.get("/front/ws/", query_string={"EIO": "4", "transport": "polling"})
        assert response.status_code == 200 and (await response.get_data()).startswith(b"0{")  # Engine.IO open


def test_a_prefix_claimed_twice_stops_the_start(tmp_path):
    class Second:
        @hookimpl
        def register_path_prefixes(self):
            return {"/front": None}

    with pytest.raises(StartupError, match="path prefix '/front' a second time"):
        build(base_conf(tmp_path), [("front", Front()), ("second", Second())])
