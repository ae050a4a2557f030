"""``@documented``: what a view takes and answers, and ``ServerEvent``: a socket.io event a plugin sends, for the
API document (the openapi plugin reads both).

Pure metadata on the view function, like ``public`` and ``permission``: declaring it costs nothing when the
openapi plugin is disabled, and a plugin never imports that plugin to be documented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import INCLUDE, Schema

from nethcti.errors import APIError

JSON = "application/json"
# the answer of a route that reports nothing but its success (``return {}``), for ``responses={200: EMPTY}``
EMPTY = {"type": "object", "maxProperties": 0}


class Answer(Schema):
    """A base for response schemas: the fields clients may rely on; an answer may carry more (it stays open)."""

    class Meta:
        unknown = INCLUDE


@dataclass(frozen=True)
class ApiDoc:
    """A view's declaration; see ``documented`` for the meaning of each field."""

    summary: str | None = None
    description: str | None = None
    params: Any = None
    query: Any = None
    body: Any = None
    path: Any = None
    responses: Mapping[int, Any] = field(default_factory=dict)
    errors: tuple[type[APIError], ...] = ()
    tags: tuple[str, ...] = ()
    only_under: str | None = None


def documented(*, summary: str | None = None, description: str | None = None, params: Any = None,
               query: Any = None, body: Any = None, path: Any = None, responses: Mapping[int, Any] | None = None,
               errors: Iterable[type[APIError]] = (), tags: Iterable[str] = (), only_under: str | None = None):
    """Declare a view's input and answers for ``GET /openapi.json`` (docs/openapi.md).

    ``params``: the schema the view gives ``load_params`` (query string for GET and DELETE, JSON body otherwise);
    ``query`` / ``body`` / ``path``: a schema for just that part. ``responses``: status -> a marshmallow schema
    (class or instance), an OpenAPI schema dict that may nest schemas (``{"type": "array", "items": Contact}``),
    ``None`` for no body, or ``(media_type, schema)`` for a body that is not JSON. ``errors``: the APIError
    classes the view raises (their status and ``error_id`` are listed). ``only_under``: the one path prefix the
    route answers under (``"/api"``). Without a summary, the first line of the view's docstring is used.
    """

    def mark(view):
        view.nethcti_doc = ApiDoc(summary, description, params, query, body, path, dict(responses or {}),
                                  tuple(errors), tuple(tags), only_under)
        return view

    return mark


@dataclass(frozen=True)
class ServerEvent:
    """A socket.io event a plugin sends to clients, listed in the document's ``x-socketio.serverEvents``.

    A plugin declares the events it emits in its ``socketio_events`` attribute (beside ``requires``), a sequence
    of these. ``audience``: who receives it, for people. ``payload``: what ``documented``'s ``responses`` take (a
    schema, an OpenAPI schema dict), or the name of another plugin's component (``"astproxy.answers.QueueSchema"``,
    referenced only when that plugin is enabled, so the emitter need not import it), or None (no payload).
    """

    name: str
    audience: str
    payload: Any = None
    description: str | None = None
