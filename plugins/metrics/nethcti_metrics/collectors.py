"""Metrics read from the app's own state at scrape time: nothing is counted twice, no other plugin is instrumented.

Each part reads a service other plugins already keep (``app.delivery``, ``app.extensions["ami"]`` …) and yields
nothing when that plugin is not enabled, so the collector works with any set of plugins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

from nethcti import __version__

MODEL_KINDS = ("extensions", "trunks", "queues", "parkings", "conferences", "channels", "bridges")


class AppCollector:
    """A prometheus_client collector over one app; ``collect`` runs on each scrape, in the event loop."""

    def __init__(self, app):
        self.app = app

    def describe(self) -> list[Metric]:
        return []  # no fixed set: the metrics follow the enabled plugins

    def collect(self) -> Iterator[Metric]:
        yield InfoMetricFamily("nethcti", "nethcti version and enabled plugins",
                               value={"version": __version__, "plugins": ",".join(self.app.pm.order)})
        yield from self.hook_queues()
        extensions = self.app.extensions
        if (ami := extensions.get("ami")) is not None:
            yield from ami_metrics(ami)
        if (websocket := extensions.get("websocket")) is not None:
            yield from socket_metrics(self.app.sio, websocket)
        if (astproxy := extensions.get("astproxy")) is not None:
            yield from model_metrics(astproxy)
        if (auth := extensions.get("auth")) is not None:
            yield from login_metrics(auth)

    def hook_queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("nethcti_hook_queue_depth", "Domain events waiting in a plugin's queue",
                                  labels=["plugin"])
        dropped = CounterMetricFamily("nethcti_hook_calls_dropped",
                                      "Domain events dropped: the plugin's queue was full", labels=["plugin"])
        for plugin, mailbox in list(self.app.delivery.mailboxes.items()):
            depth.add_metric([plugin], mailbox.queue.qsize())
            dropped.add_metric([plugin], mailbox.dropped)
        yield depth
        yield dropped


def ami_metrics(ami) -> Iterator[Metric]:
    connector = ami.connector
    yield GaugeMetricFamily("nethcti_ami_up", "1 while the AMI link is logged in and FullyBooted",
                            value=1 if connector.up else 0)
    yield CounterMetricFamily("nethcti_ami_link_ups", "Times the AMI link came up", value=connector.link_ups)
    yield GaugeMetricFamily("nethcti_ami_failed_attempts", "Failed AMI connection attempts since the link was last up",
                            value=connector.failed_attempts)
    yield CounterMetricFamily("nethcti_ami_events", "AMI events received", value=connector.meter.total)
    yield GaugeMetricFamily("nethcti_ami_events_per_second", "AMI events per second over the last 10 s",
                            value=connector.meter.rate())
    protocol = connector.protocol
    yield GaugeMetricFamily("nethcti_ami_actions_in_flight", "AMI actions sent and not answered yet",
                            value=len(protocol.pending) if protocol is not None else 0)
    depth = GaugeMetricFamily("nethcti_ami_event_queue_depth", "AMI events waiting in a plugin's queue",
                              labels=["plugin"])
    dropped = CounterMetricFamily("nethcti_ami_events_dropped", "AMI events dropped: the plugin's queue was full",
                                  labels=["plugin"])
    for subscriber in ami.dispatcher.subscribers:
        depth.add_metric([subscriber.plugin], subscriber.queue.qsize())
        dropped.add_metric([subscriber.plugin], subscriber.dropped)
    yield depth
    yield dropped


def socket_metrics(sio, websocket) -> Iterator[Metric]:
    """Sockets by the socket.io path they came through (the legacy ``/socket.io``, ``/api/ws`` …) and logged-in
    sessions by client type. Labels come from the mounted paths and the login schema: a bounded set."""
    paths: Counter[str] = Counter()
    for environ in list(sio.environ.values()):
        paths[(environ.get("PATH_INFO") or "").rstrip("/") or "/"] += 1
    connections = GaugeMetricFamily("nethcti_socketio_connections", "Open socket.io connections",
                                    labels=["path"])
    for path, count in sorted(paths.items()):
        connections.add_metric([path], count)
    yield connections
    sessions = websocket.sessions
    by_type = Counter(session.ua_type or "unknown" for session in sessions)
    logged_in = GaugeMetricFamily("nethcti_socketio_sessions", "Logged-in sockets by client type (uaType)",
                                  labels=["ua_type"])
    for ua_type in ("desktop", "mobile", "unknown"):
        logged_in.add_metric([ua_type], by_type.get(ua_type, 0))
    yield logged_in
    yield GaugeMetricFamily("nethcti_socketio_waiting_login", "Connected sockets that have not logged in yet",
                            value=len(sessions.pending))
    yield GaugeMetricFamily("nethcti_socketio_users", "Users with at least one logged-in socket",
                            value=len(sessions.usernames()))


def model_metrics(astproxy) -> Iterator[Metric]:
    model = astproxy.model
    yield GaugeMetricFamily("nethcti_model_loaded", "1 once the PBX model is loaded from Asterisk",
                            value=1 if model is not None else 0)
    sizes = GaugeMetricFamily("nethcti_model_objects", "Objects in the live PBX model", labels=["kind"])
    for kind in MODEL_KINDS:
        sizes.add_metric([kind], len(getattr(model, kind)) if model is not None else 0)
    yield sizes


def login_metrics(auth) -> Iterator[Metric]:
    yield CounterMetricFamily("nethcti_logins", "Password logins accepted (nonce, /api/login, confirmations)",
                              value=auth.logins)
    yield CounterMetricFamily("nethcti_login_failures", "Password logins refused: wrong password or unknown user",
                              value=auth.login_failures)
