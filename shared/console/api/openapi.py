"""The OpenAPI 3.1 document of console_api, built from the route table it serves."""

from __future__ import annotations

import re
from typing import Any

from shared.console.api.fields import object_schema
from shared.console.api.routing import PUBLIC, Route

ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "field": {"type": "string", "description": "the request field at fault"}},
}


_ERROR = {"$ref": "#/components/responses/Error"}
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _responses(route: Route) -> dict[str, Any]:
    """Every status the route can answer: what app.ConsoleApi.handle maps each refusal to."""
    responses: dict[str, Any] = {
        "200": {"description": "done", "content": {kind: {} for kind in (route.produces, *route.also_produces)}},
        "400": _ERROR,
        "404": {"description": "no such endpoint or object (another workspace's included); a path with control"
                               " characters reaches no function and gets the framework's own page",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                            "text/html": {"schema": {"type": "string"}}}},
    }
    if route.method in _WRITES:
        responses["409"] = _ERROR
    if route.method != "GET":
        responses["413"] = _ERROR
    if route.role != PUBLIC:
        responses["401"] = _ERROR
        responses["403"] = _ERROR
    for status in route.statuses:
        responses[str(status)] = _ERROR
    return responses


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.operation_id, "summary": route.summary, "tags": [route.tag] if route.tag else [],
        "x-charla-role": route.role,
        "parameters": [{"name": name, "in": "path", "required": True, "schema": route.param(name).json_schema()}
                       for name in re.findall(r"\{(\w+)\}", route.path)]
        + [{"name": name, "in": "query", "required": spec.required, "schema": spec.json_schema()}
           for name, spec in route.query.items()],
        "responses": _responses(route),
    }
    if route.method not in ("GET", "DELETE"):
        schema = object_schema(route.body)
        if route.body_rules:
            schema["allOf"] = list(route.body_rules)
        operation["requestBody"] = {"required": any(f.required for f in route.body.values()) or route.body_required,
                                    "content": {"application/json": {"schema": schema}}}
    if route.role != PUBLIC:
        operation["security"] = [{"session": []}]
    return operation


def openapi_document(routes: list[Route], server_url: str = "/console_api") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Charla console API", "version": "1",
                 "description": "What the agent console does: sign-in, inbox, conversations, agents, contacts"
                                " and the workspace's catalogs. x-charla-role is the least role allowed"
                                " (agent < supervisor < admin); every object belongs to the caller's workspace."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {"session": {"type": "http", "scheme": "bearer",
                                            "description": "the token POST /login returns"}},
            "schemas": {"Error": ERROR_SCHEMA},
            "responses": {"Error": {
                "description": "what went wrong, naming the field when one is at fault",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        },
    }
