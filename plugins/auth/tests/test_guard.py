"""Every route needs a token unless public; ``permission(...)`` is enforced before the handler runs."""

import pytest
from nethcti_auth.testing import log_in

from nethcti.testing import running_app


async def test_permission_is_checked_before_the_view(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        headers = await log_in(client, "alice", "alice-pw")
        response = await client.get("/webrest/probe/dnd", headers=headers)
        assert response.status_code == 200 and await response.get_json() == {"username": "alice"}
        assert (await client.get("/probe/phonebook", headers=headers)).status_code == 200  # a macro alone

        response = await client.get("/probe/spy", headers=headers)  # spy is off in alice's profile
        assert response.status_code == 403
        body = await response.get_json()
        assert body["error_id"] == "permission-denied" and body["details"] == {"permission": "presence_panel.spy"}


async def test_public_views_and_status_need_no_token(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        assert (await client.get("/probe/open")).status_code == 200
        assert (await client.get("/webrest/status")).status_code == 200
        response = await client.get("/probe/whoami")
        assert response.status_code == 401
        assert (await response.get_json())["error_id"] == "authentication-required"


async def test_unknown_routes_and_methods_stay_404_and_405(conf_dir):
    async with running_app(conf_dir) as app:
        client = app.test_client()
        response = await client.get("/webrest/no/such/route")
        assert response.status_code == 404 and (await response.get_json())["error_id"] == "not-found"
        response = await client.get("/authentication/logout")
        assert response.status_code == 405 and "POST" in response.headers["Allow"]


async def test_cors_preflight_needs_no_token(conf_dir):
    async with running_app(conf_dir) as app:
        response = await app.test_client().options("/webrest/authentication/logout", headers={
            "Origin": "https://cti.example.com", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,auth-exp",
        })
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("authorization", [
    "", "alice", ":0123abcd", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "alice :abc", "alice:ab cd", "alice:\tx",
    "alice:" + "a" * 5000, "\u00e0lice:abc", "alice:\u00e9\u00e8", "alice:abc:def", "201:", "::::",
])
async def test_malformed_authorization_is_400_or_401_never_500(conf_dir, probe, authorization):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        response = await app.test_client().get("/probe/whoami", headers={"Authorization": authorization})
        assert response.status_code in (400, 401)
        body = await response.get_json()
        assert body["error_id"] in ("malformed-authorization", "invalid-token", "authentication-required")


async def test_a_token_of_another_user_is_refused(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        token = (await log_in(client, "alice", "alice-pw"))["Authorization"].split(":", 1)[1]
        response = await client.get("/probe/whoami", headers={"Authorization": f"bob:{token}"})
        assert response.status_code == 401 and (await response.get_json())["error_id"] == "invalid-token"
