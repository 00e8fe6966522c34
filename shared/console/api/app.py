"""One console_api request: find the route, authenticate, check the role, validate, run, answer JSON.

Errors become JSON ``{"error": kind, "message": ..., "field": ...}`` with their status: 400 bad input
(naming the field), 401 no valid session, 403 role, 404 unknown or another workspace's, 405, 409, 413,
429 a sign-in delay in force (with Retry-After).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shared.console.api.fields import FieldError, validated
from shared.console.api.routing import PUBLIC, ROLE_RANK, Call, Reply, Route, find_route
from shared.console.api.services import MAX_BODY_BYTES, ConsoleServices
from shared.console.sign_in import Principal
from shared.console.sign_in_throttle import TooManyAttempts
from shared.entrypoints.http_json import check_text, decode_json, query_integer
from shared.kernel.errors import AlreadyExists, ConfigurationError, Forbidden, InvalidInput, NotFound, Unauthenticated
from shared.kernel.logs import log

_QUERY_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, json.dumps(body, ensure_ascii=False).encode(), headers=headers or {})


def error_response(status: int, kind: str, message: str, field_name: str = "",
                   headers: dict[str, str] | None = None) -> ApiResponse:
    body = {"error": kind, "message": message, **({"field": field_name} if field_name else {})}
    return _json(status, body, headers)


class ConsoleApi:
    def __init__(self, services: ConsoleServices, routes: list[Route]) -> None:
        self.services = services
        self.routes = routes

    def handle(self, method: str, path: str, headers: dict[str, str], query: dict[str, str],
               raw_body: bytes, client_address: str = "") -> ApiResponse:
        """``client_address``: the caller's address as the entry point trusts it (see client_address.py);
        sign-in counts failures per address."""
        route, params, allowed = find_route(self.routes, method, path)
        if route is None:
            if allowed:
                return error_response(405, "method_not_allowed", f"{method} {path}: use {', '.join(allowed)}",
                                      headers={"Allow": ", ".join(allowed)})
            return error_response(404, "not_found", f"no endpoint {path}")
        if len(raw_body) > MAX_BODY_BYTES:
            return error_response(413, "too_large", f"body of {len(raw_body)} bytes; at most {MAX_BODY_BYTES}")
        try:
            principal = None if route.role == PUBLIC else self._principal(headers, route)
            for name, value in params.items():
                route.param(name).check(name, check_text(name, value))
            body = self._body(route, raw_body)
            checked_query = validated(route.query, self._typed_query(route, query)) if route.query else {}
            answer = route.handler(Call(self.services, principal, params, checked_query, body, client_address))
        except FieldError as exc:
            return error_response(400, "invalid_input", str(exc), exc.field)
        except InvalidInput as exc:  # the contacts' errors name their field too
            return error_response(400, "invalid_input", str(exc), getattr(exc, "field", ""))
        except TooManyAttempts as exc:
            return error_response(429, "too_many_attempts", str(exc), headers={"Retry-After": str(exc.retry_after_s)})
        except Unauthenticated as exc:
            return error_response(401, "unauthenticated", str(exc), headers={"WWW-Authenticate": "Bearer"})
        except Forbidden as exc:
            return error_response(403, "forbidden", str(exc))
        except NotFound as exc:
            return error_response(404, "not_found", str(exc))
        except AlreadyExists as exc:
            return error_response(409, "conflict", str(exc))
        except ConfigurationError as exc:  # the deployment's, not the caller's: said plainly, and logged
            log("ERROR", "console request needs configuration", function="console_api", route=route.path,
                error=str(exc))
            return error_response(500, "configuration", str(exc))
        if isinstance(answer, Reply):
            if answer.content_type == "application/json":
                return _json(answer.status, answer.body, answer.headers)
            data = answer.body.encode() if isinstance(answer.body, str) else answer.body
            return ApiResponse(answer.status, data, answer.content_type, answer.headers)
        return _json(200, answer)

    def _principal(self, headers: dict[str, str], route: Route) -> Principal:
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("sign in first: send 'Authorization: Bearer <token>' from POST /login")
        principal = self.services.sign_in.authenticate(token.strip())
        if ROLE_RANK[principal.role] < ROLE_RANK[route.role]:
            log("WARNING", "console request refused for its role", function="console_api", route=route.path,
                role=principal.role, needed=route.role)
            raise Forbidden(f"{route.method} {route.path} needs the {route.role} role; you are {principal.role}")
        return principal

    @staticmethod
    def _body(route: Route, raw_body: bytes) -> dict[str, Any]:
        if route.method in ("GET", "DELETE"):
            return {}
        if not raw_body.strip():
            if route.body_required or any(f.required for f in route.body.values()):
                raise FieldError("body", "empty; expected a JSON object")
            return {}
        return validated(route.body, decode_json(raw_body))

    @staticmethod
    def _typed_query(route: Route, query: dict[str, str]) -> dict[str, Any]:
        """Query strings are text; integer and boolean parameters are read as such, by the same decoder
        as bodies (64-bit integers, valid Unicode)."""
        typed: dict[str, Any] = {}
        for name, value in query.items():
            spec = route.query.get(name)
            check_text(name, value)
            if spec is not None and spec.type == "integer":
                typed[name] = query_integer(name, value)
            elif spec is not None and spec.type == "boolean":
                if value.lower() not in _QUERY_BOOLEANS:
                    raise FieldError(name, f"expected true or false, got {value!r}")
                typed[name] = _QUERY_BOOLEANS[value.lower()]
            else:
                typed[name] = value
        return typed
