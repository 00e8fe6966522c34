"""Names of the conversation collections, in a module light enough for webhooks to import."""

from __future__ import annotations

from shared.domain.ids import safe_document_id

CONVERSATIONS = "conversations"
PROCESSED = "processed"  # idempotency markers: "<function>:<message or task id>"
# The conversation field naming the ticket people hold it with; while set, the bot stays silent.
OPEN_TICKET = "ticket_id"
# provider message id → our outbound message, so statuses find the message they report on.
PROVIDER_MESSAGES = "provider_messages"


def messages_collection(conversation_id: str) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"


def provider_message_doc_id(channel: str, provider_message_id: str) -> str:
    return safe_document_id(f"{channel}:{provider_message_id}")
