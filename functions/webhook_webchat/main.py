"""webhook_webchat: visitors' messages in (POST), their replies out (GET after a cursor, held up to
``wait`` seconds until one is visible: a long poll), and the
widget's static files (GET /widget, /widget.js, /widget.css) that speak that API.

A visitor's first message claims their conversation and is answered with their token
(shared/channels/webchat_tokens.py); every later message and every poll carries it in
X-Charla-Visitor-Token: 401 without it, 403 with another visitor's."""

from __future__ import annotations

import dataclasses
import functools
import time
import uuid
from pathlib import Path

import functions_framework
from flask import Request, Response

from functions.http_responses import CORS_HEADERS, json_error, json_response, read_json_body
from shared.bootstrap import Platform, current_platform
from shared.channels import webchat
from shared.channels.webchat_tokens import VISITOR_KEY_SECRET, VISITOR_TOKEN_HEADER, VisitorTokens
from shared.conversations.intake import receive_visitor_message, route_visitor_site
from shared.conversations.webchat_replies import visitor_replies
from shared.conversations.webchat_visitors import claim_new_visitor
from shared.entrypoints.http_json import JsonInputError, query_integer
from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound
from shared.kernel.logs import log
from shared.messages.ids import conversation_id

FUNCTION = "webhook_webchat"
MAX_LONG_POLL_S = 25  # under the usual 30 s proxy and browser idle limits
LONG_POLL_INTERVAL_S = 0.25
# The widget sends its visitor token in a header: the browser's preflight must be told it may.
WEBCHAT_CORS_HEADERS = {**CORS_HEADERS, "Access-Control-Allow-Headers":
                        f"{CORS_HEADERS['Access-Control-Allow-Headers']}, {VISITOR_TOKEN_HEADER}"}
WIDGET_DIR = Path(__file__).resolve().parent / "widget"
# Request path (relative to the function) → file in WIDGET_DIR and its content type.
WIDGET_FILES = {
    "/widget": ("widget.html", "text/html; charset=utf-8"),
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
}
# The page loads only its own script and style and talks only to this function; pictures and media
# of rich replies come from anywhere. A second line of defence behind the widget never using innerHTML.
WIDGET_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
              "img-src http: https: data: blob:; media-src http: https: blob:; object-src 'none'; "
              "base-uri 'none'; form-action 'none'")


@functions_framework.http
def webhook_webchat(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers=WEBCHAT_CORS_HEADERS)
    if request.method in ("GET", "HEAD") and request.path in WIDGET_FILES:
        return _widget_file(request.path)
    if request.method == "POST":
        return _post_message(request)
    if request.method == "GET":
        return _get_replies(request)
    return json_error(405, f"method {request.method} not allowed; use POST or GET", WEBCHAT_CORS_HEADERS)


def _widget_file(path: str) -> Response:
    name, content_type = WIDGET_FILES[path]
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = WIDGET_CSP
    return Response(_widget_bytes(name), 200, content_type=content_type, headers=headers)


@functools.cache
def _widget_bytes(name: str) -> bytes:
    # Read on first request, not at import: a cold start that only receives messages never pays for it.
    return (WIDGET_DIR / name).read_bytes()


def _post_message(request: Request) -> Response:
    platform = current_platform()
    body, problem = read_json_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        problem.headers.update(WEBCHAT_CORS_HEADERS)
        return problem
    try:
        visitor = webchat.parse_visitor_message(body)
        route = route_visitor_site(platform, visitor.site)
    except InvalidInput as exc:
        return json_error(400, str(exc), WEBCHAT_CORS_HEADERS)
    except NotFound as exc:
        log("WARNING", "web chat message for an unknown site", function=FUNCTION)
        return json_error(404, str(exc), WEBCHAT_CORS_HEADERS)
    tokens = _visitor_tokens(platform)
    if tokens is None:
        return _unavailable()
    token = request.headers.get(VISITOR_TOKEN_HEADER, "")
    now = platform.clock.now()
    if token:
        if not visitor.visitor_id:
            return json_error(400, f"visitor_id: required with {VISITOR_TOKEN_HEADER}", WEBCHAT_CORS_HEADERS)
        if not tokens.matches(token, visitor.site, visitor.visitor_id):
            return _refused(403, "is not this visitor's token")
    else:
        # Only a new visitor's first message comes without a token, and its answer carries one.
        if not visitor.visitor_id:
            visitor = dataclasses.replace(visitor, visitor_id=webchat.new_visitor_id())
        conversation = conversation_id(route.workspace_id, webchat.CHANNEL, route.account, visitor.visitor_id)
        if not claim_new_visitor(platform.store, conversation, visitor.client_message_id, now):
            return _refused(401, "is required for this visitor_id")
    provider_id = visitor.client_message_id or uuid.uuid4().hex
    result = receive_visitor_message(platform, FUNCTION, visitor, route, provider_id, now.isoformat())
    return json_response({"message_id": result.message_id, "conversation_id": result.conversation_id,
                          "duplicate": result.duplicate, "visitor_id": visitor.visitor_id,
                          "visitor_token": tokens.issue(visitor.site, visitor.visitor_id)},
                         202, WEBCHAT_CORS_HEADERS)


def _visitor_tokens(platform: Platform) -> VisitorTokens | None:
    """The tokens of the configured key; None (logged) when it is missing or too short: a deployment fault."""
    try:
        return VisitorTokens(platform.secrets.get(VISITOR_KEY_SECRET).encode())
    except (NotFound, ConfigurationError) as exc:
        log("ERROR", "web chat visitor key unavailable", function=FUNCTION, reason=str(exc)[:300])
        return None


def _unavailable() -> Response:
    return json_error(503, "the web chat is not available; try again later", WEBCHAT_CORS_HEADERS)


def _refused(status: int, why: str) -> Response:
    """A refusal names what is missing and nothing of the visitor or their conversation; a wrong token gets
    the same answer whether the visitor exists or not."""
    return json_error(status, f"{VISITOR_TOKEN_HEADER}: {why}; a visitor's first message (without visitor_id) "
                              "is answered with its visitor_id and visitor_token", WEBCHAT_CORS_HEADERS)


def _get_replies(request: Request) -> Response:
    platform = current_platform()
    try:
        site, visitor = webchat.parse_visitor_query(request.args.get("site", ""), request.args.get("visitor_id", ""))
        after = query_integer("after", request.args.get("after", "0"))  # the one decoder: 64 bits at most
        if after < 0:
            raise ValueError
    except (JsonInputError, ValueError):  # before InvalidInput: JsonInputError is one
        return json_error(400, "after: expected the cursor of the last reply seen (a whole number >= 0)",
                          WEBCHAT_CORS_HEADERS)
    except InvalidInput as exc:
        return json_error(400, str(exc), WEBCHAT_CORS_HEADERS)
    try:
        wait = float(request.args.get("wait", "0"))
        if not 0 <= wait <= MAX_LONG_POLL_S:
            raise ValueError
    except ValueError:
        return json_error(400, f"wait: expected seconds to hold the request for replies, 0 to {MAX_LONG_POLL_S}",
                          WEBCHAT_CORS_HEADERS)
    try:
        route = route_visitor_site(platform, site)
    except NotFound as exc:
        return json_error(404, str(exc), WEBCHAT_CORS_HEADERS)
    tokens = _visitor_tokens(platform)
    if tokens is None:
        return _unavailable()
    token = request.headers.get(VISITOR_TOKEN_HEADER, "")
    if not token:
        return _refused(401, "is required to read a visitor's replies")
    if not tokens.matches(token, site, visitor):
        return _refused(403, "is not this visitor's token")
    deadline = time.monotonic() + wait
    while True:  # long poll: answer as soon as a reply is visible, or when the wait is over
        replies = visitor_replies(platform, route, visitor, after)
        if replies or time.monotonic() >= deadline:
            break
        time.sleep(LONG_POLL_INTERVAL_S)
    cursor = replies[-1]["seq"] if replies else after
    return json_response({"replies": replies, "cursor": cursor}, 200, WEBCHAT_CORS_HEADERS)
