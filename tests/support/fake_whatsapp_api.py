"""A local stand-in for the WhatsApp Cloud API (Graph API) that tests drive over HTTP.

Serves what Charla uses, with Meta's documented bodies:
- ``POST [/vNN.N]/{phone_number_id}/messages`` with ``Authorization: Bearer <token>`` → the send
  answer ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``.
  Requests that break a documented limit (the same LIMITS the renderer keeps) get Meta's
  ``(#100) Invalid parameter`` answer, so an end-to-end test notices a renderer that overflows.
- ``GET [/vNN.N]/{media_id}`` → ``{"messaging_product", "url", "mime_type", "sha256", "file_size", "id"}``
  for media added with ``add_media``; ``url`` points back at this server (``/media-files/{media_id}``),
  which, like Meta's lookaside URLs, answers the bytes only with the Bearer token.
- A wrong or missing token → HTTP 401 with Graph error code 190.

Serve it with ``tests.support.wsgi_server.serve_wsgi(fake)``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from werkzeug.wrappers import Response

from shared.channels.whatsapp import LIMITS
from tests.support.fake_provider_api import FakeProviderApi, RecordedCall

_VERSION = re.compile(r"^/v\d+(?:\.\d+)?(?=/)")
_MESSAGES = re.compile(r"^/(?P<phone_number_id>[^/]+)/messages$")
_MEDIA_FILE = re.compile(r"^/media-files/(?P<media_id>[^/]+)$")
_MEDIA_INFO = re.compile(r"^/(?P<media_id>[^/]+)$")


def graph_error(message: str, code: int, type_: str = "OAuthException", details: str = "",
                subcode: int | None = None) -> dict[str, Any]:
    """A Graph API error body as the Cloud API returns it."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


_ERRORS_BY_STATUS = {
    400: graph_error("(#100) Invalid parameter", 100, details="Invalid parameter"),
    401: graph_error("Error validating access token: Session has expired.", 190),
    403: graph_error("(#200) Permissions error", 200),
    429: graph_error("(#130429) Rate limit hit", 130429,
                     details="Cloud API message throughput has been reached."),
    500: graph_error("(#131000) Something went wrong", 131000,
                     details="Message failed to send due to an unknown error."),
    503: graph_error("(#2) Service temporarily unavailable", 2),
}


class FakeWhatsAppApi(FakeProviderApi):
    def __init__(self, access_token: str) -> None:
        super().__init__()
        self.access_token = access_token
        self._media: dict[str, tuple[bytes, str]] = {}

    # -- test controls ---------------------------------------------------------------------------
    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        """Media a customer "sent": its id then resolves to a download URL on this server."""
        with self._lock:
            self._media[media_id] = (content, mime_type)

    def sent_messages(self) -> list[dict[str, Any]]:
        """The JSON bodies of the messages sent so far, in order."""
        return [call.json for call in self.sends()]

    # -- FakeProviderApi -------------------------------------------------------------------------
    def is_send(self, call: RecordedCall) -> bool:
        return call.method == "POST" and _MESSAGES.match(_unversioned(call.path)) is not None

    def error_body(self, status: int) -> Any:
        return _ERRORS_BY_STATUS.get(status, graph_error("(#1) An unknown error occurred", 1))

    def answer(self, call: RecordedCall) -> Response:
        if call.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self.json_response(
                graph_error("Invalid OAuth access token - Cannot parse access token", 190), 401)
        path = _unversioned(call.path)
        if call.method == "POST" and (match := _MESSAGES.match(path)):
            return self._send(call, match["phone_number_id"])
        if call.method == "GET" and (match := _MEDIA_FILE.match(path)):
            return self._media_bytes(match["media_id"])
        if call.method == "GET" and (match := _MEDIA_INFO.match(path)):
            return self._media_info(call, match["media_id"])
        return self.json_response(graph_error(f"Unknown path components: {call.path}", 2500), 400)

    # -- endpoints -------------------------------------------------------------------------------
    def _send(self, call: RecordedCall, _phone_number_id: str) -> Response:
        problem = send_problem(call.json)
        if problem:
            return self.json_response(graph_error("(#100) Invalid parameter", 100, details=problem), 400)
        to = str(call.json["to"])
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
            "messages": [{"id": f"wamid.FAKE{self.next_id():08d}"}],
        }
        if call.json["type"] == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return self.json_response(answer)

    def _media_info(self, call: RecordedCall, media_id: str) -> Response:
        with self._lock:
            stored = self._media.get(media_id)
        if stored is None:
            return self.json_response(graph_error(
                f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation.", 100, "GraphMethodException",
                subcode=33), 400)
        content, mime_type = stored
        base = f"http://{call.headers.get('Host', '127.0.0.1')}"
        return self.json_response({
            "messaging_product": "whatsapp",
            "url": f"{base}/media-files/{media_id}",
            "mime_type": mime_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "file_size": str(len(content)),
            "id": media_id,
        })

    def _media_bytes(self, media_id: str) -> Response:
        with self._lock:
            stored = self._media.get(media_id)
        if stored is None:
            return Response(b"", 404)
        return Response(stored[0], 200, content_type=stored[1])


def _unversioned(path: str) -> str:
    return _VERSION.sub("", path, count=1)


def send_problem(body: Any) -> str:
    """Why the Cloud API would refuse this send request ("" when it would accept it)."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if not body.get("to"):
        return "to is required"
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict):
        return f"a {kind!r} object is required"
    check = _CHECKS.get(kind)
    return check(content) if check else ""


def _too_long(value: Any, limit: int, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        return f"{name} is required"
    return f"{name} is longer than {limit} characters" if len(value) > limit else ""


def _check_text(text: dict[str, Any]) -> str:
    return _too_long(text.get("body"), LIMITS.text_chars, "text.body")


def _check_media(media: dict[str, Any]) -> str:
    if not media.get("link") and not media.get("id"):
        return "media needs a link or an id"
    caption = media.get("caption")
    return _too_long(caption, LIMITS.media_caption_chars, "caption") if caption is not None else ""


def _check_audio(audio: dict[str, Any]) -> str:
    return "audio messages take no caption" if "caption" in audio else _check_media(audio)


def _check_interactive(interactive: dict[str, Any]) -> str:
    action = interactive.get("action") or {}
    body = (interactive.get("body") or {}).get("text")
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= LIMITS.reply_buttons:
            return f"reply buttons: 1 to {LIMITS.reply_buttons} buttons"
        ids = [b["reply"].get("id") for b in buttons]
        if len(set(ids)) != len(ids):
            return "reply button ids must be unique"
        return _too_long(body, LIMITS.button_body_chars, "body.text") or next(
            (p for b in buttons for p in (
                _too_long(b["reply"].get("title"), LIMITS.button_title_chars, "button title"),
                _too_long(b["reply"].get("id"), LIMITS.button_id_chars, "button id")) if p), "")
    if interactive.get("type") == "list":
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        if not 1 <= len(rows) <= LIMITS.list_rows:
            return f"list: 1 to {LIMITS.list_rows} rows"
        return _too_long(body, LIMITS.list_body_chars, "body.text") or _too_long(
            action.get("button"), LIMITS.list_button_chars, "action.button") or next(
            (p for row in rows for p in (
                _too_long(row.get("title"), LIMITS.list_row_title_chars, "row title"),
                _too_long(row.get("id"), LIMITS.list_row_id_chars, "row id"),
                _too_long(row.get("description", "-"), LIMITS.list_row_description_chars, "row description"))
             if p), "")
    return ""


def _check_location(location: dict[str, Any]) -> str:
    ok = all(isinstance(location.get(k), int | float) for k in ("latitude", "longitude"))
    return "" if ok else "location needs numeric latitude and longitude"


def _check_template(template: dict[str, Any]) -> str:
    if not template.get("name") or not (template.get("language") or {}).get("code"):
        return "template needs a name and language.code"
    return ""


_CHECKS = {
    "text": _check_text,
    "image": _check_media, "video": _check_media, "document": _check_media, "audio": _check_audio,
    "interactive": _check_interactive,
    "location": _check_location,
    "template": _check_template,
}
