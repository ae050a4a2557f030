"""A bounded, deterministic schemathesis run over a served app's own document (tests only: needs the test extra)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
DOCUMENTED_5XX = {502, 503, 504}  # Asterisk refused, AMI down or a dependency unreachable, AMI timeout
REQUEST_TIMEOUT = 30.0  # s: every AMI action and outside call has a shorter bound of its own


@dataclass
class FuzzReport:
    findings: list[str] = field(default_factory=list)
    requests: int = 0
    operations: int = 0
    not_reached: list[str] = field(default_factory=list)  # left out by the time cap
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per operation, to see what the time goes to

    def slowest(self, count: int = 5) -> str:
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{label} {seconds:.1f} s" for label, seconds in ranked)

    def add(self, label: str, what: str, curl: str) -> None:
        if len(self.findings) < 200:
            self.findings.append(f"{label}: {what}\n    {curl}")


def fuzz(document: dict, base_url: str, headers: dict, *, examples: int, time_cap: float,
         wanted=lambda path, method: True) -> FuzzReport:
    """Run ``examples`` positive and ``examples`` negative cases of every wanted operation; stop at ``time_cap``."""
    schema = schemathesis.openapi.from_dict(document)
    report, session, deadline = FuzzReport(), requests.Session(), time.monotonic() + time_cap
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if not wanted(operation.path, operation.method.upper()):
            continue
        if time.monotonic() > deadline:
            report.not_reached.append(operation.label)
            continue
        report.operations += 1
        started = time.monotonic()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, base_url, headers, session, examples, report)
        report.seconds[operation.label] = time.monotonic() - started
    return report


def run_operation(operation, mode, base_url, headers, session, examples, report: FuzzReport) -> None:
    seen: set[str] = set()  # one finding of each kind per operation is enough

    # derandomize: the same cases on every run, so a finding is reproducible and the run does not flake
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_case(case):
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            note(case, f"no answer: {exc.__class__.__name__}", "")
            return
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        curl = case.as_curl_command(headers=dict(response.request.headers))
        if response.status_code >= 500 and response.status_code not in DOCUMENTED_5XX:
            note(case, f"{response.status_code} {response.text[:200]}", curl)
        if "ami-injection" in response.text[:200]:
            note(case, "a CR/LF reached the AMI layer (the route's schema let it through)", curl)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                note(case, f"{failure.title}: {failure.message[:300]}", curl)

    def note(case, what: str, curl: str) -> None:
        kind = what.split(":")[0][:60]
        if kind not in seen:
            seen.add(kind)
            report.add(f"{operation.label} ({mode.value})", what, curl)

    try:
        one_case()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # nothing in the operation can be made invalid (no parameters, no body): positive cases cover it
