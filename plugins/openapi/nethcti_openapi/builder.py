"""The OpenAPI 3.1 document of a running app: its URL map, the views' ``@documented`` declarations, apispec."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from nethcti import __version__
from nethcti.apidoc import JSON, ApiDoc, ServerEvent
from nethcti.app import path_prefixes
from nethcti.websocket import SOCKETIO_PATH
from nethcti_openapi.schemas import ErrorSchema

IGNORED_METHODS = {"HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^>]*\))?:)?(?P<name>\w+)>")
CONVERTER_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"},
                   "uuid": {"type": "string", "format": "uuid"}}
ERROR = {"$ref": "#/components/schemas/Error"}
SECURITY = [{"token": []}, {"bearer": []}]
DESCRIPTION = """The REST API of nethcti, generated at start-up from the enabled plugins.

Every route answers under the base path (NethVoice's proxy: `{base_path}`) and under each plugin's path prefix
(`/api`, where the same routes take a `Bearer` JWT); the documented paths are those. Errors always have one
body, `Error` (`error_id` is stable, `message` for people, `details` names the fields of a validation error).
The socket.io events (those clients emit, those the server sends) are listed in `x-socketio`. Guide:
docs/openapi.md."""


def schema_name(schema: type[Schema] | Schema) -> str | None:
    """A component name unique across plugins: ``astproxy.ops.calls.CallParams`` (None inlines a modified one)."""
    if isinstance(schema, Schema) and (schema.only or schema.exclude or schema.partial or schema.many):
        return None
    cls = schema if isinstance(schema, type) else type(schema)
    return f"{cls.__module__.removeprefix('nethcti_')}.{cls.__qualname__}"


def is_schema(value: Any) -> bool:
    return isinstance(value, Schema) or (isinstance(value, type) and issubclass(value, Schema))


def openapi_path(rule: str) -> tuple[str, list[tuple[str, str | None]]]:
    """``/voicemail/list/<kind>`` -> (``/voicemail/list/{kind}``, [("kind", None)]): the path and its arguments."""
    arguments = [(m["name"], m["converter"]) for m in RULE_ARGUMENT.finditer(rule)]
    return RULE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule), arguments


def operation_id(method: str, path: str) -> str:
    return method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_")


class DocumentBuilder:
    """One document for one app: call ``build()`` once every blueprint is registered (at start-up)."""

    def __init__(self, app):
        self.app = app
        self.guarded = "auth" in app.pm.order  # the auth plugin checks the tokens; without it every route is open
        self.plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        self.spec = APISpec(
            title="nethcti", version=__version__, openapi_version="3.1.0", plugins=[self.plugin],
            info={"description": DESCRIPTION.format(base_path=app.settings.server["base_path"])},
        )
        self.spec.components.security_scheme("token", {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`<username>:<token>` from `POST /authentication/login` (nonce, HMAC-SHA1: "
                           "docs/authentication.md) or a persistent token",
        })
        self.spec.components.security_scheme("bearer", {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "the JWT of `POST /api/login` (nethcti-middleware's front)",
        })
        self.spec.components.schema("Error", schema=ErrorSchema)

    # ------------------------------------------------------------ schemas

    def resolve(self, value: Any) -> Any:
        """An OpenAPI schema from a declaration: marshmallow schemas (at any depth) become component refs."""
        if is_schema(value):
            return self.plugin.converter.resolve_nested_schema(value)
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def parameters(self, schema: Any, location: str) -> list[dict]:
        return self.plugin.converter.schema2parameters(schema, location=location) if schema is not None else []

    # ------------------------------------------------------------ operations

    def build(self) -> dict:
        server = self.app.settings.server
        prefixes = path_prefixes(self.app.pm)
        mounts = [server["base_path"].rstrip("/"), *(p.rstrip("/") for p in prefixes)]
        owners = self.route_owners()
        paths: dict[str, dict[str, dict]] = {}
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods or ()))):
            view = self.app.view_functions[rule.endpoint]
            doc: ApiDoc = getattr(view, "nethcti_doc", None) or ApiDoc()
            path, arguments = openapi_path(rule.rule)
            owner = owners.get(rule.endpoint.partition(".")[0], "nethcti")
            for method in sorted((rule.methods or set()) - IGNORED_METHODS):
                for mount in [doc.only_under.rstrip("/")] if doc.only_under else mounts:
                    operation = self.operation(view, doc, method, arguments, owner)
                    operation["operationId"] = operation_id(method, mount + path)
                    paths.setdefault(mount + path, {})[method.lower()] = operation
        for path, operations in paths.items():
            self.spec.path(path=path, operations=operations)
        socketio = self.socketio(prefixes)  # first: its payload schemas become components too
        document = self.spec.to_dict()
        document["x-socketio"] = socketio
        return document

    def route_owners(self) -> dict[str, str]:
        """Blueprint name -> the plugin that registered it (the tag of its operations)."""
        owners = {}
        for plugin, blueprints in self.app.pm.call_each("register_routes"):
            for blueprint in blueprints if isinstance(blueprints, (list, tuple)) else [blueprints]:
                owners[blueprint.name] = plugin
        return owners

    def operation(self, view, doc: ApiDoc, method: str, arguments: list[tuple[str, str | None]], owner: str) -> dict:
        summary = doc.summary or (view.__doc__ or "").strip().partition("\n")[0] or None
        operation: dict[str, Any] = {"tags": list(doc.tags) or [owner]}
        if summary:
            operation["summary"] = summary
        description = [doc.description] if doc.description else []
        permission = getattr(view, "nethcti_permission", None)
        if permission:
            description.append(f"Needs the profile permission `{permission}`.")
            operation["x-permission"] = permission
        if description:
            operation["description"] = "\n\n".join(description)
        public = getattr(view, "nethcti_public", False) or not self.guarded
        operation["security"] = [] if public else SECURITY

        query, body = doc.query, doc.body
        if doc.params is not None:
            if method in BODY_METHODS:
                body = doc.params
            else:
                query = doc.params
        parameters = self.path_parameters(doc, arguments) + self.parameters(query, "query")
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            operation["requestBody"] = {"required": False, "content": {JSON: {"schema": self.resolve(body)}}}
        elif method in BODY_METHODS and not hasattr(view, "nethcti_doc"):
            # not declared yet: the view may read any JSON object (load_params), so say that much
            operation["requestBody"] = {"required": False, "content": {JSON: {"schema": {"type": "object"}}}}
        takes_input = bool(parameters) or "requestBody" in operation
        operation["responses"] = self.responses(doc, public, permission, takes_input)
        return operation

    def path_parameters(self, doc: ApiDoc, arguments: list[tuple[str, str | None]]) -> list[dict]:
        declared = {p["name"]: p for p in self.parameters(doc.path, "path")}
        parameters = []
        for name, converter in arguments:
            parameter = declared.get(name) or {
                "in": "path", "name": name,
                "schema": CONVERTER_TYPES.get(converter or "", {"type": "string", "minLength": 1}),
            }
            parameters.append(parameter | {"required": True})
        return parameters

    def responses(self, doc: ApiDoc, public: bool, permission: str | None, takes_input: bool) -> dict:
        responses: dict[str, dict] = {}
        for status, declared in sorted(doc.responses.items()):
            responses[str(status)] = self.success(status, declared)
        if not any(200 <= status < 300 for status in doc.responses):
            responses["200"] = {"description": "Success (its body is not documented yet)",
                                "content": {JSON: {"schema": {}}}}
        errors: dict[int, list[str]] = {}
        if takes_input:
            errors.setdefault(400, []).extend(["invalid-request", "invalid-json"])
        if not public:
            errors.setdefault(401, []).extend(["authentication-required", "invalid-token"])
        if permission:
            errors.setdefault(403, []).append("permission-denied")
        for error in doc.errors:
            errors.setdefault(error.status_code, []).append(error.error_id)
        for status, ids in sorted(errors.items()):
            unique = ", ".join(f"`{i}`" for i in dict.fromkeys(ids))
            declared = responses.get(str(status))
            if declared is None:
                responses[str(status)] = {"description": f"{HTTPStatus(status).phrase}: {unique}",
                                          "content": {JSON: {"schema": ERROR}}}
            else:  # a status that is an answer too (the legacy login's 401 with its nonce) or an error body
                declared["description"] += f"; or the error {unique}"
                declared.setdefault("content", {}).setdefault(JSON, {"schema": ERROR})
        responses["default"] = {
            "description": "Any other error, same body: 404 `not-found`, 405, 429, 502 (Asterisk refused the "
                           "action), 503 (`ami-unavailable`: the AMI link is down), 504 (`timeout`) …",
            "content": {JSON: {"schema": ERROR}},
        }
        return responses

    def success(self, status: int, declared: Any) -> dict:
        response: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if declared is None:
            return response
        media_type, schema = declared if isinstance(declared, tuple) else (JSON, declared)
        response["content"] = {media_type: {"schema": self.resolve(schema)}}
        return response

    # ------------------------------------------------------------ socket.io

    def socketio(self, prefixes: dict[str, str | None]) -> dict:
        """The socket.io endpoints, the events clients may emit and those the server sends, each with its plugin."""
        events = {}
        for plugin, handlers in self.app.pm.call_each("register_socketio_handlers"):
            for name, handler in handlers.items():
                event = {"plugin": plugin}
                if handler.__doc__:
                    event["description"] = handler.__doc__.strip().partition("\n")[0]
                events[name] = event
        return {
            "paths": ["/" + SOCKETIO_PATH.strip("/"), *sorted(p for p in prefixes.values() if p)],
            "clientEvents": dict(sorted(events.items())),
            "serverEvents": self.server_events(),
            "description": "socket.io (Engine.IO 4) endpoints; the events and rooms in detail: docs/websocket.md",
        }

    def server_events(self) -> dict[str, dict]:
        """What the enabled plugins declare in ``socketio_events``: audience and payload of each event."""
        known = self.spec.components.schemas  # those of the routes, added before
        events: dict[str, dict] = {}
        for plugin_name in self.app.pm.order:
            declared: tuple[ServerEvent, ...] = getattr(self.app.pm.get_plugin(plugin_name), "socketio_events", ())
            for event in declared:
                if event.name in events:
                    raise ValueError(f"socket.io event {event.name!r} declared by {events[event.name]['plugin']!r} "
                                     f"and {plugin_name!r}")
                entry: dict[str, Any] = {"plugin": plugin_name, "audience": event.audience}
                if event.description:
                    entry["description"] = event.description
                if isinstance(event.payload, str):  # another plugin's component: only when that plugin is enabled
                    if event.payload in known:
                        entry["payload"] = {"$ref": f"#/components/schemas/{event.payload}"}
                elif event.payload is not None:
                    entry["payload"] = self.resolve(event.payload)
                events[event.name] = entry
        return dict(sorted(events.items()))
