"""nethcti plugin: GET /metrics in the Prometheus text format."""
