"""send_message's use case: deliver one outbound message through its channel, once.

The channel's customer-service window is a rule of the conversation (when did the customer last write?),
so it is decided here, from the conversation, and the sender is told only on which terms the message goes.
"""

from __future__ import annotations

from datetime import datetime

from shared.channels.windows import WindowDecision, channel_has_window, window_decision
from shared.contacts import ContactBook
from shared.conversations.model import Conversation, with_failed_delivery
from shared.conversations.store_names import messages_collection
from shared.events import topics
from shared.history.records import event_record, outbound_message_record
from shared.kernel.errors import DeliveryRefused, PermanentError
from shared.kernel.logs import log
from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ChannelSenders, ReplyWindow
from shared.ports.context import DeliveryPorts

FUNCTION = "send_message"


def deliver_outbound_message(ports: DeliveryPorts, senders: ChannelSenders, message: OutboundMessage) -> str:
    sender = senders.get(message.channel)
    if sender is None:
        raise PermanentError(f"no sender for channel {message.channel!r}")
    if ContactBook(ports.store, ports.clock).is_blacklisted(message.workspace_id, message.channel, message.recipient):
        record_failed_delivery(ports, message, "the contact is blacklisted: nothing is ever sent to them")
        return ""
    window = reply_window(ports, message)
    if not window.allowed and sender.delivered(message.message_id) is None:
        record_failed_delivery(ports, message, window.reason)
        return ""
    # A message delivered before the window closed (this is Pub/Sub redelivering it) goes on: the sender
    # answers with the id it kept, and the history rows are published again, deduplicated by their ids.
    try:
        provider_id = sender.send(message, ReplyWindow.HUMAN_AGENT if window.human_agent_tag else ReplyWindow.OPEN)
    except DeliveryRefused as exc:
        record_failed_delivery(ports, message, str(exc))
        return ""
    sent_at = ports.clock.now().isoformat()
    # Published after the send: a redelivery re-sends (deduplicated by the sender) and
    # re-publishes the same rows (deduplicated by their ids in the warehouse).
    for record in (
        outbound_message_record(message, sent_at),
        event_record(key=message.message_id, type="message_sent", workspace_id=message.workspace_id,
                     occurred_at=sent_at, function=FUNCTION, conversation_id=message.conversation_id,
                     session_id=message.session_id, channel=message.channel, intent=message.intent),
    ):
        ports.bus.publish(topics.HISTORY, record.to_json())
    return provider_id


def reply_window(ports: DeliveryPorts, message: OutboundMessage) -> WindowDecision:
    """Whether the channel's customer-service window lets ``message`` go now, and on which terms."""
    if not channel_has_window(message.channel):  # spares the web chat and email a read per message
        return WindowDecision(allowed=True)
    conversation = Conversation.read(ports.store, message.conversation_id)
    last = conversation.last_message_at if conversation is not None else None
    return window_decision(message, datetime.fromisoformat(last) if last else None, ports.clock.now())


def record_failed_delivery(ports: DeliveryPorts, message: OutboundMessage, reason: str) -> None:
    """A message the channel will never deliver: acknowledged, marked on the conversation's log and
    recorded as a message_failed event naming why."""
    log("WARNING", "delivery failed for good", function=FUNCTION, channel=message.channel,
        message_id=message.message_id, reason=reason)
    log_entry = ports.store.get(messages_collection(message.conversation_id), message.message_id)
    if log_entry is not None:
        ports.store.set(messages_collection(message.conversation_id), message.message_id,
                        with_failed_delivery(log_entry, reason))
    ports.bus.publish(topics.HISTORY, event_record(
        key=message.message_id, type="message_failed", workspace_id=message.workspace_id,
        occurred_at=ports.clock.now(), function=FUNCTION, conversation_id=message.conversation_id,
        session_id=message.session_id, channel=message.channel, intent=message.intent,
        detail={"reason": reason}).to_json())
