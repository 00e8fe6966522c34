"""send_message's use case: deliver one outbound message through its channel, once."""

from __future__ import annotations

from collections.abc import Mapping

from shared import topics
from shared.bootstrap import Platform
from shared.domain.messages import OutboundMessage
from shared.errors import PermanentError
from shared.history.records import event_record, outbound_message_record
from shared.ports.channel_sender import ChannelSender

FUNCTION = "send_message"


def deliver_outbound_message(platform: Platform, senders: Mapping[str, ChannelSender],
                             message: OutboundMessage) -> str:
    sender = senders.get(message.channel)
    if sender is None:
        raise PermanentError(f"no sender for channel {message.channel!r}")
    provider_id = sender.send(message)
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
