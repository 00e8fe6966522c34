"""Send API answers: the message id of a success, and whether to retry an error (Graph error codes,
the messaging window, Meta's throttling hints)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.channels.provider_events import ErrorDisposition, retry_after_header
from shared.kernel.errors import InvalidInput

# Graph codes worth retrying: 1/2 unknown/temporary service errors, 4/17/32/613 platform throttling
# (application, user, Page, custom), 1200 "Temporary send message failure", 80001/80002/80006
# business-use-case throttling of Pages, Instagram and Messenger. Meta answers most with HTTP 400.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 1200, 80001, 80002, 80006})
_OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2534022})
_TOKEN_CODES = frozenset({190, 102})
_EXPLANATIONS = {
    551: "the person is not available (blocked the account or cannot receive messages)",
    368: "the account is temporarily blocked for policy violations",
    200: "the app or token lacks a permission for this send",
}


def sent_message_id(response_body: Any) -> str:
    """The message id of a Send API success: ``{"recipient_id": ..., "message_id": ...}``."""
    message_id = response_body.get("message_id") if isinstance(response_body, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise InvalidInput("message_id: missing from the Send API answer")
    return message_id


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Retry or give up on a Send API error (Graph error body ``{"error": {"code", "message"...}}``)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return ErrorDisposition(transient=status == 429 or status >= 500,
                                reason=f"HTTP {status}: {_describe(body)}".rstrip(": "),
                                retry_after_s=_retry_after(headers))
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    transient = (code in TRANSIENT_CODES or error.get("is_transient") is True or status == 429 or status >= 500) \
        and code not in _TOKEN_CODES and code not in _EXPLANATIONS and not _outside_window(code, subcode, error)
    return ErrorDisposition(transient=transient, reason=_reason(status, code, subcode, error),
                            retry_after_s=_retry_after(headers) if transient else None)


def _describe(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str):
        body = "" if body is None else json.dumps(body, default=str)
    return body[:300]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _outside_window(code: int | None, subcode: int | None, error: dict[str, Any]) -> bool:
    return code == 10 and (subcode in _OUTSIDE_WINDOW_SUBCODES or "allowed window" in str(error.get("message", "")))


def _reason(status: int, code: int | None, subcode: int | None, error: dict[str, Any]) -> str:
    name = f"Graph error {code}" + (f"/{subcode}" if subcode else "")
    message = str(error.get("message") or error.get("error_user_msg") or f"HTTP {status}")
    reason = f"{name}: {message}"
    if _outside_window(code, subcode, error):
        return (f"{reason} (outside the messaging window: 24 hours after the customer's last message,"
                " 7 days for a human agent's reply with the HUMAN_AGENT tag)")
    if code in _TOKEN_CODES:
        return f"{reason} (the access token is invalid or expired)"
    if code in _EXPLANATIONS:
        return f"{reason} ({_EXPLANATIONS[code]})"
    return reason


def _retry_after(headers: Mapping[str, str]) -> float | None:
    seconds = retry_after_header(headers)
    if seconds is not None:
        return seconds
    lowered = {str(k).lower(): v for k, v in headers.items()}
    return _business_use_case_wait(lowered.get("x-business-use-case-usage"))


def _business_use_case_wait(header: str | None) -> float | None:
    """Meta's throttling hint: X-Business-Use-Case-Usage lists, per business object, the minutes
    until access is regained (estimated_time_to_regain_access)."""
    if not header:
        return None
    try:
        usage = json.loads(header)
    except ValueError:
        return None
    minutes = [
        float(entry.get("estimated_time_to_regain_access") or 0)
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None
