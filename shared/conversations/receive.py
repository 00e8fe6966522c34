"""A webhook's use case: hand one normalised inbound message to the inbound topic, once.

The processed marker is written after the publish: a crash in between makes the
provider's retry publish again, and resolve_intent dedupes it transactionally.
The marker only spares that work for the common redelivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import topics
from shared.bootstrap import Platform
from shared.conversations.store_names import PROCESSED
from shared.domain.ids import safe_document_id
from shared.domain.messages import InboundMessage
from shared.history.records import event_record


@dataclass(frozen=True)
class ReceiveResult:
    message_id: str
    conversation_id: str
    duplicate: bool


def receive_inbound_message(platform: Platform, message: InboundMessage, function: str) -> ReceiveResult:
    marker = safe_document_id(f"{function}:{message.message_id}")
    if platform.store.get(PROCESSED, marker) is not None:
        return ReceiveResult(message.message_id, message.conversation_id, duplicate=True)
    platform.bus.publish(topics.INBOUND, message.to_json(), ordering_key=message.conversation_id)
    platform.bus.publish(topics.HISTORY, event_record(
        key=message.message_id, type="message_received", workspace_id=message.workspace_id,
        occurred_at=message.received_at, function=function, conversation_id=message.conversation_id,
        channel=message.channel, detail={"kind": message.kind},
    ).to_json())
    platform.store.set(PROCESSED, marker, {"at": platform.clock.now().isoformat(),
                                          "conversation_id": message.conversation_id})
    return ReceiveResult(message.message_id, message.conversation_id, duplicate=False)
