"""Telegram answers: the id of a sent message, getFile's file_path, and whether an error is worth
retrying."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.channels.provider_events import ApiCall, ErrorDisposition, retry_after_header
from shared.channels.telegram.inbound import _is_int
from shared.kernel.errors import InvalidInput


def sent_message_id(response_body: Any) -> str:
    """"<chat id>:<message_id>" of the Message a send method answered (the first, for a media group)."""
    result = response_body.get("result") if isinstance(response_body, dict) else None
    if isinstance(result, list) and result:
        result = result[0]
    chat = result.get("chat") if isinstance(result, dict) else None
    if not (isinstance(chat, dict) and _is_int(chat.get("id")) and _is_int(result.get("message_id"))):
        raise InvalidInput("result: expected the sent Message with message_id and chat.id")
    return f"{chat['id']}:{result['message_id']}"


def get_file(file_id: str) -> ApiCall:
    """The getFile call that turns an inbound media id into a downloadable file_path."""
    return ApiCall("getFile", json={"file_id": file_id})


def file_path_of(response_body: Any) -> str:
    """file_path from getFile's answer; the bytes are at ``{base}/file/bot{token}/{file_path}``
    (not under the ``bot{token}/`` API root), for at least an hour, up to 20 MB."""
    result = response_body.get("result") if isinstance(response_body, dict) else None
    path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(path, str) or not path:
        raise InvalidInput("result.file_path: expected a string (files over 20 MB have none)")
    return path


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Flood control (429, with parameters.retry_after) and server errors are worth retrying; any
    other error (400 chat not found, 403 bot blocked by the user, 401 bad token...) will not pass."""
    body = body if isinstance(body, dict) else {}
    code = body.get("error_code") if _is_int(body.get("error_code")) else status
    description = str(body.get("description") or "")
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    reason = f"telegram {code}: {description}" if description else f"telegram HTTP {status}"
    if _is_int(parameters.get("migrate_to_chat_id")):
        reason += f" (the group is now chat {parameters['migrate_to_chat_id']})"
    retry_after = _retry_after(parameters, headers)
    transient = status == 429 or code == 429 or status >= 500 or retry_after is not None
    return ErrorDisposition(transient=transient, reason=reason, retry_after_s=retry_after if transient else None)


def _retry_after(parameters: Mapping[str, Any], headers: Mapping[str, str]) -> float | None:
    hint = parameters.get("retry_after")
    if isinstance(hint, int | float) and not isinstance(hint, bool) and hint >= 0:
        return float(hint)
    return retry_after_header(headers)
