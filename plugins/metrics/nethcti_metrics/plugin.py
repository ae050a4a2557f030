"""``[metrics]``: ``GET /metrics`` for Prometheus: AMI link, queues, sockets, requests, model sizes, logins."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, disable_created_metrics, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from quart import Blueprint, Response, current_app, request

from nethcti import documented, hookimpl, public, secret_field
from nethcti_metrics.access import Access, AddressNotAllowed, MetricsTokenRequired, parse_networks
from nethcti_metrics.collectors import AppCollector
from nethcti_metrics.requests import RequestMetrics, TimedASGI, routes

blueprint = Blueprint("metrics", __name__)


class MetricsSchema(Schema):
    allow = fields.List(fields.String(), load_default=lambda: ["127.0.0.1", "::1"])
    token = secret_field(load_default=None, allow_none=True)
    http = fields.Boolean(load_default=True)
    process = fields.Boolean(load_default=True)

    @validates("allow")
    def _networks(self, value, **_kwargs):
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValidationError(f"not an address or network: {exc}") from None


class Metrics:
    """``app.extensions["metrics"]``: the app's registry (never prometheus_client's global one) and who may read it."""

    def __init__(self, app, config: dict):
        self.registry = CollectorRegistry(auto_describe=False)
        self.access = Access(config["allow"], config["token"])
        self.registry.register(AppCollector(app))
        self.http = RequestMetrics(self.registry) if config["http"] else None
        if config["process"]:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@blueprint.get("/metrics")
@public  # the auth plugin's tokens are for users; this route has its own allowlist and bearer token
@documented(summary="The Prometheus metrics (text exposition format), for an allowed address and the [metrics] token",
            responses={200: ("text/plain", {"type": "string"})}, errors=[MetricsTokenRequired, AddressNotAllowed])
async def metrics():
    service: Metrics = current_app.extensions["metrics"]
    service.access.check(request.remote_addr, request.headers)
    return Response(service.exposition(), content_type=CONTENT_TYPE_LATEST)


@hookimpl
def register_config_schema():
    return MetricsSchema


@hookimpl
def configure(app):
    disable_created_metrics()  # no *_created series: half the counter series, and Prometheus does not read them
    service = app.extensions["metrics"] = Metrics(app, app.plugin_config("metrics"))
    if service.http is not None:
        # wrapped before the host mounts socket.io and the path prefixes around it (create_app)
        app.asgi_app = TimedASGI(app.asgi_app, service.http)


@hookimpl
def register_routes():
    return [blueprint, routes]  # routes: tells the request timer which URL rule answered


@hookimpl
def collect_status(app):
    service = app.extensions["metrics"]
    return {"ok": True, "allow": [str(n) for n in service.access.networks], "token": service.access.token is not None}
