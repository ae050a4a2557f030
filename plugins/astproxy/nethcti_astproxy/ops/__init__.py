"""Switchboard operations, ``POST /astproxy/<name>``: one module per family, each exporting OPERATIONS.

An operation is a schema for its body and an async function ``run(ctx, params) -> dict``; the routes
module turns every one into a thin view (load the body, run, answer JSON). Operations import neither
Quart nor panoramisk: they get the Astproxy service (with its AMI service) and the calling user.
"""
