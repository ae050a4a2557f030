"""Core behaviour shipped as plugins: the JSON error renderer and the status page."""
