"""Builders of history rows (events and messages) with stable ids."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.messages.ids import stable_hash
from shared.messages.wire import HistoryRecord, InboundMessage, OutboundMessage


def event_record(
    *,
    key: str,
    type: str,
    workspace_id: str,
    occurred_at: datetime | str,
    function: str,
    conversation_id: str = "",
    session_id: str = "",
    channel: str = "",
    intent: str = "",
    detail: dict[str, Any] | None = None,
) -> HistoryRecord:
    """``key`` names the occurrence (e.g. the message id it belongs to): same key, same row."""
    occurred = occurred_at.isoformat() if isinstance(occurred_at, datetime) else occurred_at
    return HistoryRecord(
        table="events",
        row={
            "event_id": f"ev_{stable_hash(key, type)}",
            "workspace_id": workspace_id,
            "conversation_id": conversation_id or None,
            "session_id": session_id or None,
            "channel": channel or None,
            "type": type,
            "occurred_at": occurred,
            "function": function,
            "intent": intent or None,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        },
    )


def inbound_message_record(message: InboundMessage, session_id: str, intent: str, confidence: float | None,
                           language: str = "") -> HistoryRecord:
    return HistoryRecord(
        table="messages",
        row={
            "message_id": message.message_id,
            "workspace_id": message.workspace_id,
            "conversation_id": message.conversation_id,
            "session_id": session_id or None,
            "channel": message.channel,
            "direction": "inbound",
            "sender_type": "user",
            "kind": message.kind,
            "text": message.text,
            "intent": intent or None,
            "confidence": confidence,
            "language": language or None,
            "occurred_at": message.received_at,
        },
    )


def outbound_message_record(message: OutboundMessage, sent_at: str) -> HistoryRecord:
    return HistoryRecord(
        table="messages",
        row={
            "message_id": message.message_id,
            "workspace_id": message.workspace_id,
            "conversation_id": message.conversation_id,
            "session_id": message.session_id or None,
            "channel": message.channel,
            "direction": "outbound",
            "sender_type": message.sender_type,
            "kind": message.kind,
            "text": message.text,
            "intent": message.intent or None,
            "confidence": None,
            "language": None,
            "occurred_at": sent_at,
        },
    )
