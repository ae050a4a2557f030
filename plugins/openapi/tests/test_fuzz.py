"""schemathesis against the demo PBX: every operation of /openapi.json, as a user with every permission and as one
with none; no 5xx but the documented 502/503/504, no answer outside the document, no CR/LF reaching the AMI."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest
from nethcti_openapi.testing import EVERYTHING, NOTHING, everything_served

pytestmark = pytest.mark.live

EXAMPLES = int(os.environ.get("NETHCTI_FUZZ_EXAMPLES", "3"))  # per operation and generation mode
# the user without permissions mostly meets the permission check: fewer cases find what there is to find
EXAMPLES_OF = {EVERYTHING: EXAMPLES, NOTHING: max(1, EXAMPLES - 1)}
TIME_CAP = float(os.environ.get("NETHCTI_FUZZ_TIME_CAP", "120"))  # seconds per user
# would end the session the run is logged in with
LOGS_OUT = {("POST", "/authentication/logout"), ("POST", "/api/logout")}


def once_per_route(document: dict, base_path: str):
    """The base path's copy of every operation, and the operations that answer only under a prefix (``/api``):
    the other copies run the same view through the same checks."""
    under_base = {(path.removeprefix(base_path), method) for path, ops in document["paths"].items()
                  if path.startswith(base_path + "/") for method in ops}

    def wanted(path: str, method: str) -> bool:
        if (method, path.removeprefix(base_path)) in LOGS_OUT or (method, path) in LOGS_OUT:
            return False
        if path.startswith(base_path + "/"):
            return True
        rest = "/" + path.lstrip("/").partition("/")[2]
        return (rest, method.lower()) not in under_base

    return wanted


@pytest.mark.parametrize("user", [EVERYTHING, NOTHING])
async def test_the_fuzzer_finds_nothing(tmp_path, demo_pbx_clean, user):
    from nethcti_openapi.fuzzing import fuzz

    async with everything_served(tmp_path, demo_pbx_clean) as (_app, url, headers):
        async with httpx.AsyncClient(base_url=url) as http:
            document = (await http.get("/webrest/openapi.json")).json()
        report = await asyncio.to_thread(fuzz, document, url, headers[user], examples=EXAMPLES_OF[user],
                                         time_cap=TIME_CAP, wanted=once_per_route(document, "/webrest"))
    summary = (f"{user}: {report.operations} operations, {report.requests} requests, statuses "
               f"{dict(sorted(report.statuses.items()))}; slowest: {report.slowest()}")
    print(summary)
    assert not report.findings, summary + "\n" + "\n".join(report.findings)
    assert not report.not_reached, f"the time cap ({TIME_CAP} s) left out {report.not_reached}"
    assert report.operations > 150 and report.requests > report.operations  # every operation was called
