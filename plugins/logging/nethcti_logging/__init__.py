"""nethcti plugin: process-wide logging with loguru."""
