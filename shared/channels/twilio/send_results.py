"""Twilio's answers to our requests: the sid of a created message, and how to treat an error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.channels.provider_events import ErrorDisposition, retry_after_header
from shared.kernel.errors import InvalidInput


def sent_message_id(response_body: Any) -> str:
    """The Message resource's "sid" from Twilio's 201 answer."""
    body = _json_body(response_body)
    sid = body.get("sid") if isinstance(body, dict) else None
    if not isinstance(sid, str) or not sid:
        raise InvalidInput("Twilio's answer has no message \"sid\"")
    return sid


# Throttling codes Twilio may answer with HTTP 400 as well as 429 (docs/api/errors/<code>).
_THROTTLING = {
    20429: "too many requests",
    14107: "more than 30 replies between two numbers in 30 seconds",
    21611: "the From number's queue holds more than 10 hours of messages",
    63017: "account sending faster than 2000 messages per second",
    63018: "channel rate limit exceeded",
    63038: "account exceeded its daily message limit",
}
_WAIT_HINTS = {14107: 30.0}  # Twilio fails further replies for 30 seconds
_PERMANENT_REASONS = {
    21610: "the recipient has unsubscribed (replied STOP); they must text START to receive messages again",
    21211: "the 'To' number is not a valid phone number",
    63016: "outside the WhatsApp 24-hour customer service window; only an approved template (ContentSid) "
           "can be sent until the customer writes again",
}


def _json_body(body: Any) -> Any:
    if isinstance(body, bytes | str):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return body


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Twilio's error body is {"code", "message", "more_info", "status"}."""
    parsed = _json_body(body)
    error = parsed if isinstance(parsed, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    message = str(error.get("message") or "")
    retry_after = retry_after_header(headers)
    label = f"Twilio {code}" if code is not None else f"Twilio HTTP {status}"
    if code in _PERMANENT_REASONS:
        return ErrorDisposition(False, f"{label}: {_PERMANENT_REASONS[code]}" + (f" ({message})" if message else ""))
    reason = f"{label}: {message or _THROTTLING.get(code or 0, 'no error message')}"
    if status == 429 or code in _THROTTLING:
        return ErrorDisposition(True, reason, retry_after if retry_after is not None else _WAIT_HINTS.get(code or 0))
    if status >= 500:
        return ErrorDisposition(True, reason, retry_after)
    return ErrorDisposition(False, reason)
