"""phone-island (from npm) in Chromium, as alice on the demo PBX behind a NethVoice-like front: what she sees.
The tests parametrized over ``ISLANDS`` run 0.13.4 in legacy mode and the current island in /api mode."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest
from nethcti_auth.testing import client_token

from tests.browser.audit import unexpected_errors
from tests.browser.islands import CURRENT, ISLANDS, LEGACY

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT_MS = 15_000
EACH_ISLAND = pytest.mark.parametrize("island", ISLANDS, indirect=True, ids=str)
ANSWER_BUTTON = "[data-tooltip-id='tooltip-answer-left']"  # the green button of an incoming call
HOLD_BUTTON = "[data-tooltip-id='tooltip-pause']"  # in-call actions: only while connected
HANGUP_BUTTON = "[data-tooltip-id='tooltip-left-transfer']"  # the red button of a call in progress


async def log_in(page, username: str = "alice", *, stay: bool = False) -> None:
    """The login form, as a person fills it; then the island's socket says it is connected.
    ``stay``: the island gets a persistent phone-island token rather than the session token."""
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(username)
    await page.get_by_label("Stay logged in").set_checked(stay)
    await page.get_by_role("button", name="Log in").click()
    await socket_status(page, "connected")


async def socket_status(page, text: str) -> None:
    """Wait until the page's socket status line reads exactly ``text``."""
    from playwright.async_api import expect  # imported here: without playwright the suite skips, not breaks

    await expect(page.get_by_role("status")).to_have_text(text, timeout=WAIT_MS)


async def ringing(page, island, since: int) -> None:
    """The island rings: 0.13.4 says so with an event (1.0.9 only for a second call, "busy_ringing")."""
    if island is LEGACY:
        await wait_for_event(page, "phone-island-call-ringing", since)
    await page.locator("#island").locator(ANSWER_BUTTON).wait_for(timeout=WAIT_MS)


def caller(view):
    """Bob's name on the island (1.0.9 renders it twice, the second time hidden, to measure it)."""
    return view.get_by_text("Bob Bianchi").first


async def originate(pbx, source: str, number: str) -> None:
    """A call from ``source``'s sipp phone (which answers at once) to ``number``."""

    def run():
        with pbx.ami() as ami:
            response = ami.action("Originate", Channel=f"PJSIP/{source}", Context="from-internal", Exten=number,
                                  Priority="1", Async="true", CallerID=f"<{source}>")
            assert response.get("Response") == "Success", response

    await asyncio.to_thread(run)


async def event_count(page) -> int:
    return await page.evaluate("window.islandEvents.length")


async def wait_for_event(page, name: str, since: int = 0) -> dict:
    """The first phone-island window event ``name`` after the first ``since`` ones."""
    handle = await page.wait_for_function(
        "([name, since]) => window.islandEvents.slice(since).find(e => e.name === name)", arg=[name, since],
        timeout=WAIT_MS)
    return await handle.json_value()


async def until(predicate, timeout: float = 10) -> None:
    """Wait until ``predicate()`` (blocking, run in a thread) is true."""
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(predicate):
            await asyncio.sleep(0.1)


def assert_no_unexpected_errors(page) -> None:
    """No error answers but the expected ones, and no request left without an answer. Chromium reports the
    login's POST as aborted after the page has read its 401 (the nonce challenge is not one it can answer)."""
    errors = unexpected_errors(page.recorded.responses)
    errors += [f"{method} {url}: {failure}" for method, url, failure in page.recorded.failed
               if (method, url) != ("POST", "https://nethvoice.test/webrest/authentication/login")]
    assert not errors, "the page got error answers:\n" + "\n".join(errors)


def assert_new_mode(page) -> None:
    """The island took its new mode: its JWT probe of GET /api/user/me answered 200, and every request of its
    went to /api with "Bearer" (none to /webrest); the host page's own is POST /api/login."""
    answers = [(method, urlsplit(url).path, status) for method, url, status in page.recorded.responses]
    assert ("GET", "/api/user/me", 200) in answers
    requests = [(method, urlsplit(url).path, authorization)
                for method, url, authorization in page.recorded.authorizations if urlsplit(url).path != "/"]
    from_island = [request for request in requests if request[1].startswith("/api/") and request[1] != "/api/login"]
    assert len(from_island) > 2, requests
    assert all((authorization or "").startswith("Bearer ") for *_, authorization in from_island), requests
    assert not [path for _, path, _ in requests if path.startswith(("/webrest/", "/socket.io/"))], requests


@EACH_ISLAND
async def test_the_island_connects_and_shows_an_incoming_call_ringing(page, island, demo_pbx_clean):
    pbx = demo_pbx_clean
    await log_in(page)
    assert page.recorded.websockets == [island.socket]
    if island is CURRENT:
        assert_new_mode(page)
    await wait_for_event(page, "phone-island-webrtc-registered")
    assert not await page.get_by_text("Bob Bianchi").is_visible()

    pbx.set_phone("201", "ring")
    since = await event_count(page)
    await originate(pbx, "202", "201")
    await ringing(page, island, since)
    view = page.locator("#island")
    await caller(view).wait_for(timeout=WAIT_MS)
    await view.get_by_text("202", exact=True).wait_for(timeout=WAIT_MS)
    await view.locator(ANSWER_BUTTON).wait_for(timeout=WAIT_MS)

    await asyncio.to_thread(pbx.hangup_all)  # bob gives up
    await caller(view).wait_for(state="hidden", timeout=WAIT_MS)
    assert_no_unexpected_errors(page)


@EACH_ISLAND
async def test_a_call_from_the_island_shows_connected_and_its_hang_up_button_ends_it(page, island, demo_pbx_clean):
    """Click-to-call as nethvoice-cti starts it (a window event): phone-island posts /astproxy/call with its
    own body, alice's phone (sipp) answers, then bob's; a click on the island's red button hangs up."""
    pbx = demo_pbx_clean
    await log_in(page)
    since = await event_count(page)
    await page.evaluate("window.dispatchEvent(new CustomEvent('phone-island-call-start', {detail: {number: '202'}}))")
    await wait_for_event(page, "phone-island-call-answered", since)
    view = page.locator("#island")
    await caller(view).wait_for(timeout=WAIT_MS)
    await view.locator(HOLD_BUTTON).wait_for(timeout=WAIT_MS)
    assert ("POST", f"{island.api}/astproxy/call", 200) in page.recorded.responses
    assert any(channel.startswith("PJSIP/202-") for channel in await asyncio.to_thread(pbx.channels))

    await view.locator(HANGUP_BUTTON).click()
    await caller(view).wait_for(state="hidden", timeout=WAIT_MS)
    await until(lambda: not pbx.channels())
    assert_no_unexpected_errors(page)


@EACH_ISLAND
async def test_dnd_set_through_the_island_reaches_asterisk(page, island, demo_pbx_clean):
    pbx = demo_pbx_clean
    await log_in(page)
    since = await event_count(page)
    # what nethvoice-cti's presence menu does: a window event phone-island turns into POST /user/presence
    await page.evaluate("window.dispatchEvent(new CustomEvent('phone-island-presence-change', "
                        "{detail: {status: 'dnd'}}))")
    await wait_for_event(page, "phone-island-presence-changed", since)
    await until(lambda: pbx.db_get("DND", "201") == "YES")
    presence = await wait_for_event(page, "phone-island-main-presence", since)
    assert presence["detail"]["alice"]["mainPresence"] == "dnd"

    since = await event_count(page)
    await page.evaluate("window.dispatchEvent(new CustomEvent('phone-island-presence-change', "
                        "{detail: {status: 'online'}}))")
    await until(lambda: pbx.db_get("DND", "201") is None)
    presence = await wait_for_event(page, "phone-island-main-presence", since)
    assert presence["detail"]["alice"]["mainPresence"] == "online"
    assert ("POST", f"{island.api}/user/presence", 200) in page.recorded.responses
    assert_no_unexpected_errors(page)


@EACH_ISLAND
async def test_the_socket_reconnects_after_a_server_restart(page, island, nethcti, demo_pbx_clean):
    """With a persistent phone-island token (what nethcti-middleware gives the island), or a JWT (kept in the
    database), the island logs in again on its own and hears the next call."""
    pbx = demo_pbx_clean
    await log_in(page, stay=True)
    since = await event_count(page)
    await nethcti.restart()
    await wait_for_event(page, "phone-island-socket-disconnected", since)
    await wait_for_event(page, "phone-island-socket-reconnected", since)
    await socket_status(page, "connected")

    pbx.set_phone("201", "ring")
    since = await event_count(page)
    await originate(pbx, "202", "201")
    await ringing(page, island, since)
    await caller(page.locator("#island")).wait_for(timeout=WAIT_MS)
    await asyncio.to_thread(pbx.hangup_all)
    names = [event["name"] for event in await page.evaluate("window.islandEvents")]
    assert "phone-island-server-disconnected" not in names
    assert_no_unexpected_errors(page)


async def test_a_session_token_ends_with_a_server_restart(page, nethcti):
    """Session tokens live in memory, as in nethcti-server: after a restart the socket reconnects, its login
    is refused and the server closes it, which nethvoice-cti shows as "session expired"."""
    await log_in(page)
    since = await event_count(page)
    await nethcti.restart()
    await wait_for_event(page, "phone-island-socket-reconnected", since)
    await wait_for_event(page, "phone-island-server-disconnected", since)
    await socket_status(page, "disconnected")
    assert_no_unexpected_errors(page)


async def test_the_demo_has_operator_groups_for_the_switchboard(nethcti):
    """What nethvoice-cti's operator panel reads first: the groups, and a profile that may see them all."""
    async with httpx.AsyncClient(base_url=nethcti.url + "/webrest", timeout=10) as http:
        challenge = await http.post("/authentication/login", json={"username": "alice", "password": "alice"})
        nonce = challenge.headers["www-authenticate"].split(" ")[1]
        headers = {"Authorization": f"alice:{client_token('alice', 'alice', nonce)}"}
        groups = (await http.get("/astproxy/opgroups", headers=headers)).json()
        me = (await http.get("/user/me", headers=headers)).json()
    assert groups and all(group["users"] for group in groups.values())
    assert {user for group in groups.values() for user in group["users"]} == {"alice", "bob", "carol", "dave"}
    presence_panel = me["profile"]["macro_permissions"]["presence_panel"]
    assert presence_panel["value"] is True
    assert presence_panel["permissions"]["all_groups"]["value"] is True
