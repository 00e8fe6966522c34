"""send_message's use case: deliver one outbound message through its channel, once."""

from __future__ import annotations

from collections.abc import Mapping

from shared.bootstrap import Platform
from shared.contacts import ContactBook
from shared.conversations.store_names import messages_collection
from shared.events import topics
from shared.history.records import event_record, outbound_message_record
from shared.kernel.errors import DeliveryRefused, PermanentError
from shared.kernel.logs import log
from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ChannelSender

FUNCTION = "send_message"


def deliver_outbound_message(platform: Platform, senders: Mapping[str, ChannelSender],
                             message: OutboundMessage) -> str:
    sender = senders.get(message.channel)
    if sender is None:
        raise PermanentError(f"no sender for channel {message.channel!r}")
    if ContactBook(platform.store, platform.clock).is_blacklisted(message.workspace_id, message.channel,
                                                                  message.recipient):
        record_failed_delivery(platform, message, "the contact is blacklisted: nothing is ever sent to them")
        return ""
    try:
        provider_id = sender.send(message)
    except DeliveryRefused as exc:
        record_failed_delivery(platform, message, str(exc))
        return ""
    sent_at = platform.clock.now().isoformat()
    # Published after the send: a redelivery re-sends (deduplicated by the sender) and
    # re-publishes the same rows (deduplicated by their ids in the warehouse).
    for record in (
        outbound_message_record(message, sent_at),
        event_record(key=message.message_id, type="message_sent", workspace_id=message.workspace_id,
                     occurred_at=sent_at, function=FUNCTION, conversation_id=message.conversation_id,
                     session_id=message.session_id, channel=message.channel, intent=message.intent),
    ):
        platform.bus.publish(topics.HISTORY, record.to_json())
    return provider_id


def record_failed_delivery(platform: Platform, message: OutboundMessage, reason: str) -> None:
    """A message the channel will never deliver: acknowledged, marked on the conversation's log and
    recorded as a message_failed event naming why."""
    log("WARNING", "delivery failed for good", function=FUNCTION, channel=message.channel,
        message_id=message.message_id, reason=reason)
    log_entry = platform.store.get(messages_collection(message.conversation_id), message.message_id)
    if log_entry is not None:
        platform.store.set(messages_collection(message.conversation_id), message.message_id,
                           {**log_entry, "status": "failed", "failure_reason": reason})
    platform.bus.publish(topics.HISTORY, event_record(
        key=message.message_id, type="message_failed", workspace_id=message.workspace_id,
        occurred_at=platform.clock.now(), function=FUNCTION, conversation_id=message.conversation_id,
        session_id=message.session_id, channel=message.channel, intent=message.intent,
        detail={"reason": reason}).to_json())
