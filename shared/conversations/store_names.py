"""Names of the conversation collections, in a module light enough for webhooks to import."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.messages.ids import safe_document_id

CONVERSATIONS = "conversations"
PROCESSED = "processed"  # idempotency markers: "<function>:<message or task id>"
# Long past any redelivery (Pub/Sub keeps a message 7 days at most): then Firestore's TTL deletes the marker.
PROCESSED_TTL = timedelta(days=30)
# The conversation field naming the ticket people hold it with; while set, the bot stays silent.
OPEN_TICKET = "ticket_id"
# provider message id → our outbound message, so statuses find the message they report on.
PROVIDER_MESSAGES = "provider_messages"


def messages_collection(conversation_id: str) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"


def media_blob_prefix(workspace_id: str, conversation_id: str) -> str:
    """Where a conversation's stored files live in the blob store (one key per message under it)."""
    return f"media/{workspace_id}/{conversation_id}/"


# The emails the bots send (send_email), one file per outbound message, as the blob store mailer writes them.
MAIL_PREFIX = "mail/"


def mail_blob_key(message_id: str) -> str:
    """Where the email of one outbound message is kept (retention finds it by the message's id)."""
    return f"{MAIL_PREFIX}{message_id}.eml"


def provider_message_doc_id(channel: str, provider_message_id: str) -> str:
    return safe_document_id(f"{channel}:{provider_message_id}")


def marker_expiry(now: datetime) -> str:
    """The ``expires_at`` of a processed marker written ``now`` (the document store port's expiry field)."""
    return (now + PROCESSED_TTL).isoformat()
