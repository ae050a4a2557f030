"""Helpers for plugin routes: declare access in one line, load input through a schema."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from quart import current_app, request

from nethcti.errors import InvalidJSON


def header_value(value: object) -> str:
    """``value`` as a safe HTTP header value: printable ASCII kept, anything else escaped (``\\r``, ``\\xe9``).

    A CR, LF or NUL copied from input into a header would end the response early (or make the server drop it).
    """
    return "".join(ch if " " <= ch <= "~" else ch.encode("unicode_escape").decode() for ch in str(value))


def public(view):
    """Mark a view as reachable without a token (the auth plugin enforces everything else)."""
    view.nethcti_public = True
    return view


def permission(name: str):
    """Declare the profile permission a view needs (``"settings.dnd"``), checked before it runs."""

    def mark(view):
        view.nethcti_permission = name
        return view

    return mark


async def json_body() -> dict[str, Any]:
    """The JSON object in the request body ({} when empty); anything else is a 400."""
    raw = await request.get_data()
    if not raw.strip():
        return {}
    try:
        body = current_app.json.loads(raw)  # bytes: invalid UTF-8 is invalid JSON, not a 500
    except ValueError:
        raise InvalidJSON() from None
    if not isinstance(body, dict):
        raise InvalidJSON("The request body must be a JSON object")
    return body


async def load_params(schema: Schema) -> Any:
    """Query string and JSON body merged (body wins), as the original reads them, through ``schema``."""
    params = dict(request.args)
    params.update(await json_body())
    return schema.load(params)
