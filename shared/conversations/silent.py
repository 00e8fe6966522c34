"""Inbound events the bot does not answer: reactions, edits, and the delivery statuses of our messages.

They are recorded exactly once (the processed marker in the same transaction): a reaction or an edit
in the conversation's message log and the history; a status on the outbound message it refers to,
found through the provider id the sender recorded, and as a message_status event.
"""

from __future__ import annotations

from typing import Any

from shared.conversations.model import Conversation, log_entry, with_delivery_status
from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.conversations.store_names import PROVIDER_MESSAGES, messages_collection, provider_message_doc_id
from shared.events import topics
from shared.history.records import event_record, inbound_message_record
from shared.messages.wire import InboundMessage
from shared.ports.context import ConversationPorts
from shared.ports.document_store import Transaction

FUNCTION = "resolve_intent"


def record_without_turn(ports: ConversationPorts, message: InboundMessage) -> bool:
    """False when this event was already recorded (a redelivery)."""
    marker = marker_id(FUNCTION, message.message_id)
    target = None
    if message.kind == "status":
        refers_to = str(message.payload.get("refers_to", ""))
        target = ports.store.get(PROVIDER_MESSAGES, provider_message_doc_id(message.channel, refers_to)) if (
            refers_to) else None
    records = []

    def record(tx: Transaction) -> bool:
        if already_processed(tx, marker):
            return False
        now = ports.clock.now()
        if message.kind == "status":
            records.append(_record_status(tx, message, target))
        else:
            conversation = Conversation.read(tx, message.conversation_id)
            entry = (conversation or Conversation(message.conversation_id)).record_unanswered_inbound(message, now)
            log_entry(tx, message.conversation_id, message.message_id, entry)
            if conversation is not None:  # only a conversation there is gets its updated_at
                conversation.save(tx)
            records.append(inbound_message_record(message, entry.session_id, "", None))
        mark_processed(tx, marker, message.conversation_id, now)
        return True

    handled = ports.store.run_transaction(record)
    for history in records:
        if history is not None:
            ports.bus.publish(topics.HISTORY, history.to_json())
    return handled


def _record_status(tx: Transaction, message: InboundMessage, target: dict[str, Any] | None):
    status = str(message.payload.get("status", ""))
    detail = {"status": status, "provider_message_id": str(message.payload.get("refers_to", ""))}
    if message.payload.get("error"):
        detail["error"] = str(message.payload["error"])
    our_id = ""
    if target is not None:
        our_id = target["message_id"]
        collection = messages_collection(target["conversation_id"])
        entry = tx.get(collection, our_id)
        update = None if entry is None else with_delivery_status(entry, status, message.received_at,
                                                                 detail.get("error", ""))
        if update is not None:
            tx.set(collection, our_id, update)
    return event_record(
        key=f"{our_id or message.message_id}:{status}", type="message_status", workspace_id=message.workspace_id,
        occurred_at=message.received_at, function=FUNCTION,
        conversation_id=target["conversation_id"] if target else message.conversation_id,
        channel=message.channel, detail={**detail, "message_id": our_id} if our_id else detail)
