"""nethcti plugin: the /profiling API (hostname and publichost for the clients, process figures)."""
