"""A webhook's use case: hand one normalised inbound message to the inbound topic, once.

The processed marker is written after the publish: a crash in between makes the
provider's retry publish again, and resolve_intent dedupes it transactionally.
The marker only spares that work for the common redelivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.events import topics
from shared.history.records import event_record
from shared.messages.wire import InboundMessage
from shared.ports.context import ConversationPorts


@dataclass(frozen=True)
class ReceiveResult:
    message_id: str
    conversation_id: str
    duplicate: bool


def needs_media_download(message: InboundMessage) -> bool:
    media = message.payload.get("media")
    return isinstance(media, dict) and not media.get("blob") and bool(media.get("id") or media.get("url"))


def receive_inbound_message(ports: ConversationPorts, message: InboundMessage, function: str) -> ReceiveResult:
    marker = marker_id(function, message.message_id)
    if already_processed(ports.store, marker):
        return ReceiveResult(message.message_id, message.conversation_id, duplicate=True)
    # Media go through fetch_media first, which stores a copy and then publishes to the inbound topic.
    topic = topics.MEDIA if needs_media_download(message) else topics.INBOUND
    ports.bus.publish(topic, message.to_json(), ordering_key=message.conversation_id)
    if message.kind != "status":  # statuses are recorded against the message they report on
        ports.bus.publish(topics.HISTORY, event_record(
            key=message.message_id, type="message_received", workspace_id=message.workspace_id,
            occurred_at=message.received_at, function=function, conversation_id=message.conversation_id,
            channel=message.channel, detail={"kind": message.kind},
        ).to_json())
    mark_processed(ports.store, marker, message.conversation_id, ports.clock.now())
    return ReceiveResult(message.message_id, message.conversation_id, duplicate=False)
