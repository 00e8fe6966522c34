"""Names of the conversation collections, in a module light enough for webhooks to import."""

from __future__ import annotations

CONVERSATIONS = "conversations"
PROCESSED = "processed"  # idempotency markers: "<function>:<message or task id>"


def messages_collection(conversation_id: str) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"
