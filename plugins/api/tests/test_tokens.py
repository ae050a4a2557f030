"""/api/tokens/persistent/{phone-island|mobile-app}: long-lived JWTs kept with the auth plugin's persistent tokens."""

import jwt
from nethcti_api.testing import api_login, bearer

from nethcti.testing import running_app


async def test_create_check_use_and_remove(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        session = await api_login(client, "alice", "alice-pw")
        for audience in ("phone-island", "mobile-app"):
            response = await client.get(f"/api/tokens/persistent/{audience}", headers=bearer(session))
            assert await response.get_json() == {"exists": False}
        response = await client.post("/api/tokens/persistent/mobile-app", headers=bearer(session))
        assert response.status_code == 200
        token = (await response.get_json())["token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["aud"] == "mobile-app" and claims["id"] == "alice"
        assert await (await client.get("/api/tokens/persistent/mobile-app", headers=bearer(session))).get_json() == {
            "exists": True}
        # the token works as a Bearer JWT, and as the legacy "<user>:<token>" (the mobile app's QR code)
        assert (await client.get("/api/user/me", headers=bearer(token))).status_code == 200
        assert (await client.get("/webrest/user/me", headers={"Authorization": f"alice:{token}"})).status_code == 200
        # a new one replaces the old one
        newer = (await (await client.post("/api/tokens/persistent/mobile-app", headers=bearer(session))).get_json())[
            "token"]
        assert (await client.get("/api/user/me", headers=bearer(token))).status_code == 401
        response = await client.delete("/api/tokens/persistent/mobile-app", headers=bearer(session))
        assert response.status_code == 204
        assert (await client.get("/api/user/me", headers=bearer(newer))).status_code == 401
        await app.hooks_idle()
        assert probe.revoked and probe.revoked[-1][0] == "alice"  # its sockets are closed
        assert (await client.get("/api/user/me", headers=bearer(session))).status_code == 200  # the session stays


async def test_unknown_audience_is_400_and_logout_leaves_integrations_alone(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        session = await api_login(client, "bob", "bob-pw")
        response = await client.post("/api/tokens/persistent/nethlink-or-else", headers=bearer(session))
        assert response.status_code == 400 and (await response.get_json())["error_id"] == "invalid-audience"
        token = (await (await client.post("/api/tokens/persistent/Phone-Island", headers=bearer(session))).get_json())[
            "token"]
        assert (await client.post("/api/logout", headers=bearer(session))).status_code == 200
        assert (await client.get("/api/user/me", headers=bearer(token))).status_code == 200


async def test_summaries_are_not_served(conf_dir, probe):
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]) as app:
        client = app.test_client()
        session = await api_login(client, "bob", "bob-pw")
        assert (await client.head("/api/summary/1700000000.42", headers=bearer(session))).status_code == 404
        assert (await client.get("/api/summary/1700000000.42", headers=bearer(session))).status_code == 404
