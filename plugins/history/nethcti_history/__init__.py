"""nethcti plugin: call history and recordings."""
