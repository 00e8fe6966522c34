"""A local stand-in for the Graph API's Messenger Platform Send API (Messenger Pages and Instagram
accounts) and for the CDN that serves inbound attachments.

- ``POST /{account}/messages`` (optionally ``/v21.0/{account}/messages``) with ``Authorization:
  Bearer <token>`` (or ``?access_token=``): the token must be the one given for that account, else
  401 with Graph error 190. A request Meta would refuse (no recipient, no message, a text over the
  channel's limit, too many quick replies / elements / buttons, a MESSAGE_TAG without tag) gets
  400 with Graph error 100 naming the parameter. Success: ``{"recipient_id", "message_id"}``.
- Attachments of inbound webhooks are direct CDN URLs fetched without credentials:
  ``add_attachment`` serves a file at a CDN path; ``attachment_url`` makes the URL to put in a
  webhook body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Response

from shared.channels.meta_messaging import LIMITS
from tests.support.fake_provider_api import FakeProviderApi, RecordedCall

_SEND_PATH = re.compile(r"^/(?:v\d+\.\d+/)?(?P<account>[^/]+)/messages$")
CDN_PREFIX = "/cdn/"
_MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")

# Graph's error for each status a test may inject with fail_next(status).
_ERRORS: dict[int, dict[str, Any]] = {
    400: {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100},
    401: {"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException",
          "code": 190},
    403: {"message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException",
          "code": 10, "error_subcode": 2018278},
    429: {"message": "(#613) Calls to this api have exceeded the rate limit.", "type": "OAuthException",
          "code": 613},
    500: {"message": "An unexpected error has occurred. Please retry your request later.",
          "type": "OAuthException", "code": 2, "is_transient": True},
    503: {"message": "(#1200) Temporary send message failure. Please try again later", "type": "OAuthException",
          "code": 1200, "is_transient": True},
}


class FakeMetaMessagingApi(FakeProviderApi):
    def __init__(self, tokens: dict[str, str], *, instagram_accounts: Iterable[str] = ()) -> None:
        """``tokens``: account id (Page id or Instagram account id) → the access token it accepts.
        Accounts in ``instagram_accounts`` get Instagram's text limit, the others Messenger's."""
        super().__init__()
        self.tokens = dict(tokens)
        self.instagram_accounts = frozenset(instagram_accounts)
        self._accepted: list[tuple[str, dict[str, Any]]] = []  # (account, Send API body)

    # -- media -----------------------------------------------------------------------------------
    def add_attachment(self, name: str, content: bytes, mime_type: str) -> str:
        """Serve ``content`` without authentication; returns its path (see attachment_url)."""
        path = f"{CDN_PREFIX}{self.next_id()}/{name}"
        self.serve_file(path, content, mime_type)
        return path

    @staticmethod
    def attachment_url(base_url: str, path: str) -> str:
        return base_url.rstrip("/") + path

    # -- inspection ------------------------------------------------------------------------------
    def sent(self, account: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies of the accepted sends (to ``account`` when given), in order."""
        with self._lock:
            return [body for to, body in self._accepted if account is None or to == account]

    # -- FakeProviderApi -------------------------------------------------------------------------
    def is_send(self, call: RecordedCall) -> bool:
        return call.method == "POST" and _SEND_PATH.match(call.path) is not None

    def error_body(self, status: int) -> Any:
        error = dict(_ERRORS.get(status, {"message": f"HTTP {status}", "type": "OAuthException", "code": 1}))
        error["fbtrace_id"] = f"Fake{status}trace"
        return {"error": error}

    def answer(self, call: RecordedCall) -> Response:
        if call.path.startswith(CDN_PREFIX):
            return Response("URL signature expired", 403, mimetype="text/plain")
        account = self._account(call)
        if call.method != "POST" or account is None:
            return self._graph_error(400, 100, f"Unsupported {call.method.lower()} request.", subcode=33)
        token = self._token(call)
        if not token or self.tokens.get(account) != token:
            return self.json_response(self.error_body(401), 401)
        problem = self._refusal(account, call.json)
        if problem:
            return self._graph_error(400, 100, f"(#100) {problem}")
        with self._lock:
            self._accepted.append((account, call.json))
        return self.json_response({"recipient_id": call.json["recipient"]["id"], "message_id": f"m_{self.next_id()}"})

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _account(call: RecordedCall) -> str | None:
        match = _SEND_PATH.match(call.path)
        return match["account"] if match else None

    @staticmethod
    def _token(call: RecordedCall) -> str:
        header = next((v for k, v in call.headers.items() if k.lower() == "authorization"), "")
        if header.startswith("Bearer "):
            return header[len("Bearer "):].strip()
        return call.query.get("access_token", "")

    def _graph_error(self, status: int, code: int, message: str, subcode: int | None = None) -> Response:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                                 "fbtrace_id": f"Fake{code}trace"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return self.json_response({"error": error}, status)

    def _refusal(self, account: str, body: Any) -> str:
        """Why Meta would refuse this Send API body, or ""."""
        if not isinstance(body, dict):
            return "The parameter recipient is required"
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not recipient.get("id"):
            return "The parameter recipient is required"
        if body.get("messaging_type", "RESPONSE") not in _MESSAGING_TYPES:
            return "Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
        if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
            return "Param tag is required for messaging_type MESSAGE_TAG"
        message = body.get("message")
        if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return "param message must be non-empty text or an attachment"
        return self._text_refusal(account, message) or self._rich_refusal(message)

    def _text_refusal(self, account: str, message: dict[str, Any]) -> str:
        text = message.get("text")
        if text is None:
            return ""
        if account in self.instagram_accounts:
            if len(str(text).encode("utf-8")) > LIMITS.instagram_text_bytes:
                return f"Length of param message[text] must be less than or equal to {LIMITS.instagram_text_bytes}"
        elif len(str(text)) > LIMITS.messenger_text_chars:
            return f"Length of param message[text] must be less than or equal to {LIMITS.messenger_text_chars}"
        return ""

    @staticmethod
    def _rich_refusal(message: dict[str, Any]) -> str:
        quick_replies = message.get("quick_replies") or []
        if len(quick_replies) > LIMITS.quick_replies:
            return f"param message[quick_replies] must have at most {LIMITS.quick_replies} elements"
        if any(len(str(q.get("payload", ""))) > LIMITS.payload_chars for q in quick_replies):
            return f"param message[quick_replies][payload] must be at most {LIMITS.payload_chars} characters"
        payload = (message.get("attachment") or {}).get("payload") or {}
        elements = payload.get("elements") or []
        if len(elements) > LIMITS.template_elements:
            return f"param message[attachment][payload][elements] must have at most {LIMITS.template_elements}"
        for element in elements:
            if set(element) == {"title"}:
                return "Incomplete element data: title and at least one other field is required"
            if len(element.get("buttons") or []) > LIMITS.element_buttons:
                return f"param elements[buttons] must have at most {LIMITS.element_buttons} elements"
        return ""
