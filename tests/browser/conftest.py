"""The browser suite's set-up: the host pages built with esbuild (phone-island 0.13.4 in legacy mode, and the
current one in /api mode for the tests parametrized over ``islands.ISLANDS``), `nethcti serve` with the demo's
conf.d against the demo PBX, the TLS front on 443 of a loopback address, and Debian's Chromium driven by Playwright.

Failing tests leave a screenshot, the page's requests and phone-island's events in tests/browser/artifacts/
(every test with ``NETHCTI_BROWSER_ARTIFACTS=1``). ``NETHCTI_BROWSER_HEADED=1`` shows the browser (on a desktop,
or under Xvfb: ``xvfb-run -a``); ``NETHCTI_BROWSER_SLOWMO=<ms>`` slows each of its actions down.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from nethcti_websocket.testing import stop_process

from tests.browser.front import Front, loopback_address, self_signed, serve_front
from tests.browser.islands import HOSTNAME, ISLANDS, LEGACY, Island
from tests.demopbx_fixtures import skip_or_fail

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = HERE / "build"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ADDRESS = loopback_address(os.getpid())
# the island's connectivity checks (https://connectivitycheck.gstatic.com/generate_204 and the like): this
# machine has no internet, so Chromium answers them itself
CONNECTIVITY_CHECKS = ["https://www.google.com/**", "https://connectivitycheck.gstatic.com/**",
                       "https://1.1.1.1/**", "https://cloudflare.com/**"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-proxy-server", "--ignore-certificate-errors",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--host-resolver-rules=MAP {HOSTNAME} {ADDRESS}"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: phone-island in Chromium against nethcti and the demo PBX")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the item, so fixtures know at teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _demo_module():
    spec = importlib.util.spec_from_file_location("nethcti_demo_script", REPO / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def demo_script():
    """scripts/demo.py: the conf.d, users and groups `scripts/run` gives the demo."""
    return _demo_module()


@pytest.fixture
def island(request) -> Island:
    """phone-island 0.13.4 (legacy mode), unless the test is parametrized over ``ISLANDS``."""
    return getattr(request, "param", LEGACY)


@pytest.fixture(scope="session")
def site() -> Path:
    """The host pages and both phone-islands bundled by esbuild into tests/browser/build (``npm ci`` first if
    needed)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip_or_fail("node and npm are needed to build phone-island (apt-get install nodejs npm)")
    if not all((HERE / "node_modules" / island.package / "dist").is_dir() for island in ISLANDS):
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"npm ci in {HERE} failed:\n{done.stdout}\n{done.stderr}"
    BUILD.mkdir(exist_ok=True)
    done = subprocess.run([str(HERE / "node_modules" / ".bin" / "esbuild"), "page/main.jsx", "page/current.jsx",
                           "--bundle", f"--outdir={BUILD}", "--define:process.env.NODE_ENV=\"production\"",
                           "--log-level=error"],
                          cwd=HERE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"esbuild failed:\n{done.stderr}"
    for island in ISLANDS:
        shutil.copy(HERE / "page" / island.page, BUILD / island.page)
    return BUILD


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is needed for the browser tests (apt-get install chromium; scripts/setup does)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        skip_or_fail("playwright is needed for the browser tests (pip install -e '.[test]')")
    return CHROMIUM


class Nethcti:
    """``nethcti serve`` with the demo's conf.d (scripts/demo.py) on a free port; ``restart()`` keeps the port."""

    def __init__(self, directory: Path, pbx, demo_script):
        from nethcti_auth.passwords import PasswordFile
        from nethcti_websocket.testing import free_port

        self.directory, self.port = directory, free_port()
        self.conf_dir, state = directory / "conf.d", directory / "state"
        demo_script.write_conf(self.conf_dir, state, pbx, self.port)
        passwords = PasswordFile(state / "passwords")
        for username in demo_script.USERS:
            passwords.set(username, username)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "nethcti.out"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 30) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nethcti.cli", "--conf-dir", str(self.conf_dir), "serve",
                stdout=log, stderr=subprocess.STDOUT)
        async with httpx.AsyncClient(timeout=1) as http, asyncio.timeout(timeout):
            while True:  # up, with AMI logged in and the PBX model loaded
                assert self.process.returncode is None, self.log.read_text()[-3000:]
                try:
                    if (await http.get(f"{self.url}/status")).json()["status"] == "ok":
                        return
                except (httpx.TransportError, ValueError, KeyError):
                    pass
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        await stop_process(self.process)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def nethcti(tmp_path, demo_pbx_clean, demo_script):
    server = Nethcti(tmp_path, demo_pbx_clean, demo_script)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def front(tmp_path, nethcti, site, island):
    """The front on https://nethvoice.test/ (port 443: phone-island's URLs have none) in front of ``nethcti``,
    with ``island``'s host page at ``/``."""
    serving = serve_front(Front(nethcti.url, site, island.page), ADDRESS, 443, self_signed(tmp_path, HOSTNAME))
    try:
        front = await serving.__aenter__()
    except PermissionError:
        skip_or_fail("the TLS front needs port 443 (root or CAP_NET_BIND_SERVICE), as phone-island's URLs have no port")
    try:
        yield front
    finally:
        await serving.__aexit__(None, None, None)


@dataclass
class Recorded:
    """What the page did: every HTTP exchange (method, URL, status), the Authorization header of each request
    to the front, every websocket, and the page's console errors."""

    responses: list[tuple[str, str, int]] = field(default_factory=list)
    authorizations: list[tuple[str, str, str | None]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    headed = os.environ.get("NETHCTI_BROWSER_HEADED", "") not in ("", "0")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium_path), headless=not headed,
                                                   slow_mo=float(os.environ.get("NETHCTI_BROWSER_SLOWMO") or 0),
                                                   args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(request, browser, front):
    """A fresh page at https://nethvoice.test/ (the front), recording what it does; artefacts if the test fails."""
    context = await browser.new_context(ignore_https_errors=True, locale="en-US",
                                        permissions=["microphone", "camera", "notifications"])
    for url in CONNECTIVITY_CHECKS:  # phone-island checks "the internet" every few seconds
        await context.route(url, lambda route: route.fulfill(status=204))
    page = await context.new_page()
    recorded = Recorded()
    page.on("request", lambda r: r.url.startswith(f"https://{HOSTNAME}/") and recorded.authorizations.append(
        (r.method, r.url, r.headers.get("authorization"))))
    page.on("response", lambda r: recorded.responses.append((r.request.method, r.url, r.status)))
    page.on("requestfailed", lambda r: recorded.failed.append((r.method, r.url, r.failure or "")))
    page.on("websocket", lambda ws: recorded.websockets.append(ws.url))
    page.on("console", lambda m: m.type == "error" and recorded.console_errors.append(m.text))
    page.recorded = recorded
    await page.goto(f"https://{HOSTNAME}/")
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if (report is not None and report.failed) or os.environ.get("NETHCTI_BROWSER_ARTIFACTS", "") not in ("", "0"):
            await _keep_artifacts(request.node.name, page)
        await context.close()


async def _keep_artifacts(name: str, page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        events = await page.evaluate("window.islandEvents || []")
    except Exception as exc:  # the page itself may be what broke
        events = [f"could not read the page: {exc}"]
    (ARTIFACTS / f"{name}.json").write_text(json.dumps({
        "responses": page.recorded.responses, "authorizations": page.recorded.authorizations,
        "failed": page.recorded.failed, "websockets": page.recorded.websockets,
        "console_errors": page.recorded.console_errors, "island_events": events}, indent=1, default=str))
