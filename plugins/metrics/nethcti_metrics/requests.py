"""HTTP requests by route and status, with latency histograms.

An ASGI wrapper around Quart times each request from its first byte to its last, whatever answered it (a view,
the auth guard, an error handler); Quart's after-request hook tells it the URL rule that matched, so the
``route`` label is ``/astproxy/extensions/<exten>``, never the path a client typed: one series per route, however
many paths are asked for. socket.io traffic is answered before the wrapper, so it is not counted here.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from quart import Blueprint, request

ROUTE = "nethcti.metrics.route"  # the ASGI scope key Quart's request shares with the wrapper
UNMATCHED = "<unmatched>"  # no route matched (404, 405): one series, whatever the path
# Seconds; the REST API answers in about a millisecond, AMI actions in tens, the 10 s action timeout bounds the rest.
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})  # anything else: "OTHER"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

routes = Blueprint("metrics_routes", __name__)


@routes.after_app_request
async def remember_route(response):
    rule = request.url_rule
    request.scope[ROUTE] = rule.rule if rule is not None else UNMATCHED
    return response


class RequestMetrics:
    """The HTTP metrics of one app, in its registry."""

    def __init__(self, registry: CollectorRegistry):
        self.requests = Counter("nethcti_http_requests", "HTTP requests answered, by route and status",
                                ["prefix", "method", "route", "status"], registry=registry)
        self.latency = Histogram("nethcti_http_request_duration_seconds",
                                 "Time from a request's arrival to the end of its response, by route",
                                 ["prefix", "method", "route"], buckets=BUCKETS, registry=registry)
        self._children: dict[tuple[str, str, str, str], tuple] = {}

    def observe(self, prefix: str, method: str, route: str, status: int, seconds: float) -> None:
        key = (prefix, method, route, str(status))
        children = self._children.get(key)
        if children is None:  # labels() takes a lock and builds a tuple: once per series, not per request
            children = self._children[key] = (self.requests.labels(*key), self.latency.labels(prefix, method, route))
        children[0].inc()
        children[1].observe(seconds)


class TimedASGI:
    """Wraps Quart's ASGI app: times every HTTP request and counts it under its route."""

    def __init__(self, app, metrics: RequestMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before answering, the server sends a 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get(ROUTE)
            if route is None:
                route = UNMATCHED if status in (404, 405) else "<unknown>"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.observe(scope.get("root_path", ""), method, route, status, time.perf_counter() - started)

