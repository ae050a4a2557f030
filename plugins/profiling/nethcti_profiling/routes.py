"""``GET /profiling/*``: nethcti-server's profiling API, for any logged-in user (the original: for anyone)."""

from __future__ import annotations

from quart import Blueprint, current_app

from nethcti.apidoc import documented
from nethcti_profiling.service import Profiling

blueprint = Blueprint("profiling", __name__, url_prefix="/profiling")


def profiling() -> Profiling:
    return current_app.extensions["profiling"]


@blueprint.get("/all")
async def everything():
    return profiling().all()


@blueprint.get("/proc_mem")
async def proc_mem():
    return profiling().proc_mem()


@blueprint.get("/db_stats")
async def db_stats():
    return profiling().db_stats()


@blueprint.get("/tot_users")
@documented(responses={200: {"type": "object", "required": ["tot_users"],
                             "properties": {"tot_users": {"type": "integer"}}}})
async def tot_users():
    return {"tot_users": profiling().tot_users()}


@blueprint.get("/conn_clients")
async def conn_clients():
    return profiling().conn_clients()
