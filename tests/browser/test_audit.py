"""The error audit of the browser tests reads docs/compatibility.md's "Not built yet" list as routes."""

from tests.browser.audit import not_built_routes, unexpected_errors

URL = "https://nethvoice.test"
SAMPLE = """## Not built yet

- `/astproxy` routes that need the phone: `/astproxy/answer`, `/astproxy/pin`, statistics
  (`/astproxy/qmanager_*`), `phone_urls.json`.
- The other modules: off-hour (`/offhour`).

## Next section

`/user/me`
"""


def test_the_not_built_list_is_read_as_routes():
    assert not_built_routes(SAMPLE) == ["/astproxy/answer", "/astproxy/pin", "/astproxy/qmanager_*", "/offhour"]
    routes = not_built_routes()  # the real list: paths, each a route of its own
    assert routes and all(route.startswith("/") and route.count("/") >= 1 for route in routes)


def test_only_unexpected_errors_are_reported():
    responses = [("POST", f"{URL}/webrest/authentication/login", 401),
                 ("GET", f"{URL}/webrest/astproxy/pin", 404),
                 ("GET", f"{URL}/webrest/astproxy/qmanager_astats", 404),
                 ("GET", f"{URL}/webrest/offhour/list/all", 404),
                 ("GET", f"{URL}/null", 404),
                 ("GET", f"{URL}/webrest/user/me", 200),
                 ("GET", f"{URL}/webrest/astproxy/extensions", 404),
                 ("GET", f"{URL}/webrest/astproxy/pinstatus", 404),
                 ("GET", f"{URL}/webrest/astproxy/pin", 500),
                 ("GET", f"{URL}/webrest/user/me", 401),
                 ("GET", f"{URL}/api/astproxy/pin", 404),
                 ("GET", f"{URL}/api/astproxy/extensions", 404)]
    assert unexpected_errors(responses, not_built_routes(SAMPLE)) == [
        f"GET {URL}/webrest/astproxy/extensions -> 404", f"GET {URL}/webrest/astproxy/pinstatus -> 404",
        f"GET {URL}/webrest/astproxy/pin -> 500", f"GET {URL}/webrest/user/me -> 401",
        f"GET {URL}/api/astproxy/extensions -> 404"]
