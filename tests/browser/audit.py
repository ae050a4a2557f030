"""Which of the page's HTTP answers are errors nobody expects: the single source of the exceptions is
docs/compatibility.md's "Not built yet" list, plus the login's nonce 401."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from urllib.parse import urlsplit

COMPATIBILITY = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
BASE_PATHS = ("/webrest", "/api")  # legacy mode, new mode: the same routes
# phone-island's own bug, whatever the server: an empty avatar renders as CSS `url(null)` / `url(undefined)`
# (src/components/CallView/Avatar.tsx), which the browser then fetches from the page's origin.
CLIENT_BUGS = {"/null", "/undefined"}


def not_built_routes(text: str | None = None) -> list[str]:
    """The backticked paths of the "Not built yet" section's list items (its introduction only explains the
    format); a path others refine (`/astproxy` before `/astproxy/answer`) only introduces them."""
    text = COMPATIBILITY.read_text() if text is None else text
    section = re.search(r"^## Not built yet\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, f"{COMPATIBILITY}: no '## Not built yet' section"
    items = "\n".join(re.findall(r"^[-*] .*(?:\n  .*)*", section.group(1), re.M))
    paths = set(re.findall(r"`(/[A-Za-z0-9_*][A-Za-z0-9_/*-]*)`", items))
    return sorted(p for p in paths if not any(q.startswith(p + "/") for q in paths))


def is_not_built(path: str, routes: list[str]) -> bool:
    for base in BASE_PATHS:
        if path.startswith(base + "/"):
            path = path.removeprefix(base)
            break
    return any(fnmatch.fnmatchcase(path, route) or fnmatch.fnmatchcase(path, route + "/*") for route in routes)


def unexpected_errors(responses: list[tuple[str, str, int]], routes: list[str] | None = None) -> list[str]:
    """``(method, url, status)`` answers of 400 or more that are neither the nonce nor a route not built yet."""
    routes = not_built_routes() if routes is None else routes
    errors = []
    for method, url, status in responses:
        path = urlsplit(url).path
        if status < 400 or path in CLIENT_BUGS:
            continue
        if (method, path, status) == ("POST", "/webrest/authentication/login", 401):
            continue  # the nonce: correct credentials answer 401 + WWW-Authenticate
        if status == 404 and is_not_built(path, routes):
            continue
        errors.append(f"{method} {url} -> {status}")
    return errors
