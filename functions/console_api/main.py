"""console_api: the agent console's JSON API (sign-in, inbox, conversations, team, contacts, catalogs).

The routes, their roles and bodies live in shared/console/api; this entry point only turns a Flask
request into a call and the answer into a response. The OpenAPI document is at /console_api/openapi.json.
"""

from __future__ import annotations

import functools

import functions_framework
from flask import Request, Response

from shared.bootstrap import Platform, current_platform
from shared.console.api.app import ConsoleApi
from shared.console.api.client_address import client_address
from shared.console.api.endpoints import all_routes
from shared.console.api.services import MAX_BODY_BYTES, console_services

FUNCTION = "console_api"
# The console is served from another origin (a bucket, or /console locally); it sends its token in a header,
# never a cookie, so allowing any origin exposes nothing a token holder could not do anyway.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "3600",
}


@functools.lru_cache(maxsize=4)
def _api(platform: Platform) -> ConsoleApi:
    """Built once per platform (a warm instance reuses it): the console's use cases over its ports."""
    return ConsoleApi(console_services(platform), all_routes())


@functions_framework.http
def console_api(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers=CORS_HEADERS)
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    headers = {name.lower(): value for name, value in request.headers.items()}
    platform = current_platform()
    caller = client_address(request.headers.getlist("X-Forwarded-For"), request.remote_addr or "",
                            behind_load_balancer=platform.settings.backend == "gcp")
    answer = _api(platform).handle(request.method, request.path, headers, request.args.to_dict(), raw, caller)
    return Response(answer.body, status=answer.status, content_type=answer.content_type,
                    headers={**CORS_HEADERS, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                             **answer.headers})
