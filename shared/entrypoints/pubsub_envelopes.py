"""Pub/Sub CloudEvents in, one use case called, the retry policy applied.

Transient failures (and bugs) propagate: the function answers 500 and Pub/Sub
redelivers. Permanent ones (malformed input, unknown workspace or bot) are
acknowledged and recorded on the dead-letter topic with the reason, never
dropped silently and never retried forever.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.events import topics
from shared.kernel.errors import NotFound, PermanentError
from shared.kernel.logs import log
from shared.ports.event_bus import EventBus
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE

MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class PubSubDelivery:
    data: bytes
    attributes: dict[str, str]
    message_id: str

    @property
    def task_name(self) -> str:
        """The scheduled task that published this message, "" when none did (the task scheduler names it)."""
        return self.attributes.get(TASK_NAME_ATTRIBUTE, "")


def parse_pubsub_event(cloud_event: Any) -> PubSubDelivery:
    data = cloud_event.data if hasattr(cloud_event, "data") else cloud_event
    message = (data or {}).get("message") or {}
    try:
        raw = base64.b64decode(message.get("data", ""), validate=True)
    except (ValueError, TypeError):
        raise PermanentError("Pub/Sub message data is not base64") from None
    return PubSubDelivery(raw, dict(message.get("attributes") or {}),
                          message.get("messageId") or message.get("message_id") or "")


def handle_pubsub_event(dead_letters: EventBus, function: str, cloud_event: Any,
                        use_case: Callable[[PubSubDelivery], object]) -> None:
    """Call ``use_case`` with the delivery; a permanent failure is published on ``dead_letters``' topic."""
    delivery = PubSubDelivery(b"", {}, "")
    try:
        delivery = parse_pubsub_event(cloud_event)
        use_case(delivery)
    except (PermanentError, NotFound) as exc:
        reason = f"{type(exc).__name__}: {exc}"[:MAX_REASON_CHARS]
        log("ERROR", "permanent failure; message recorded on the dead-letter topic", function=function,
            pubsub_message_id=delivery.message_id, reason=reason)
        dead_letters.publish(topics.DEAD_LETTER, delivery.data, attributes={
            **delivery.attributes, "failed_function": function, "failure_reason": reason,
        })
