"""WhatsApp (Graph API) answers to a send: the wamid of a success, how to treat an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.channels.provider_events import ErrorDisposition, retry_after_header
from shared.kernel.errors import InvalidInput

# Error codes, "Throttling errors" table of the Cloud API error codes reference: 4 API Too Many Calls,
# 80007 WABA rate limit, 130429 throughput reached, 131048 spam rate limit, 131056 pair rate limit,
# 133016 register/deregister rate limit. Meta answers most of them with HTTP 400.
THROTTLING_CODES = frozenset({4, 80007, 130429, 131048, 131056, 133016})
# 1 API Unknown ("possible server error"), 2 API Service (downtime or overload), 131000 Something went
# wrong, 131016 Service unavailable: a later try may succeed.
SERVER_TROUBLE_CODES = frozenset({1, 2, 131000, 131016})
REENGAGEMENT_CODE = 131047  # more than 24 hours since the customer's last message
TOKEN_CODE = 190  # access token expired or invalid


def sent_message_id(response_body: Any) -> str:
    """The wamid of a successful send: ``{"messages": [{"id": "wamid..."}], ...}``."""
    messages = response_body.get("messages") if isinstance(response_body, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else None
    message_id = first.get("id") if isinstance(first, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise InvalidInput("messages[0].id: missing from the WhatsApp answer")
    return message_id


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """How to treat a Graph API error answer ``{"error": {"message", "type", "code", ...}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else _int_or_none(code)
    reason = _error_reason(status, code, error)
    retry_after = retry_after_header(headers)
    if code in THROTTLING_CODES or status == 429:
        return ErrorDisposition(True, f"throttled: {reason}", retry_after)
    if code in SERVER_TROUBLE_CODES or status >= 500:
        return ErrorDisposition(True, reason, retry_after)
    if code == REENGAGEMENT_CODE:
        return ErrorDisposition(False, "more than 24 hours since the customer's last message, only a template "
                                       f"can reach them: {reason}")
    if code == TOKEN_CODE:
        return ErrorDisposition(False, f"access token refused: {reason}")
    return ErrorDisposition(False, reason)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_reason(status: int, code: int | None, error: dict[str, Any]) -> str:
    message = str(error.get("message") or "").strip()
    data = error.get("error_data")
    details = str(data.get("details") or "").strip() if isinstance(data, dict) else ""
    text = "; ".join(part for part in (message, details) if part) or "no error message"
    return f"WhatsApp error {code} (HTTP {status}): {text}" if code is not None else f"HTTP {status}: {text}"
