"""Event bus port: topics, subscriptions, per-key ordering, retries, dead letters.

Modelled on Pub/Sub so the cloud adapter is a thin translation:
- ``publish`` appends a message to a topic; every subscription that exists on
  the topic at that moment gets its own copy.
- Messages with the same non-empty ``ordering_key`` are delivered in publish
  order, and the next one of a key is not handed out while an earlier one is
  still unacknowledged (ordered subscriptions).
- ``pull`` leases messages for ``ack_deadline_s``; ``ack`` ends a message,
  ``nack`` (or an expired lease) makes it due again after an exponential
  backoff between ``min_backoff_s`` and ``max_backoff_s``.
- After ``max_delivery_attempts`` deliveries without an ack, the message is
  published to ``dead_letter_topic`` (when set) and leaves the subscription.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.kernel.errors import InvalidInput


def checked_attributes(data: bytes, attributes: Mapping[str, str] | None) -> dict[str, str]:
    """What Pub/Sub accepts, checked alike by every adapter: bytes, str attributes, not both empty."""
    checked = dict(attributes or {})
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput(f"message data must be bytes, not {type(data).__name__}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in checked.items()):
        raise InvalidInput("message attributes must map str to str")
    if not data and not checked:
        raise InvalidInput("a message needs data or attributes")
    return checked


@dataclass(frozen=True)
class Subscription:
    name: str
    topic: str
    dead_letter_topic: str | None = None
    max_delivery_attempts: int = 5
    min_backoff_s: float = 10.0
    max_backoff_s: float = 600.0
    ack_deadline_s: int = 60
    ordered: bool = True

    def __post_init__(self) -> None:
        # Pub/Sub accepts 5..100 attempts when a dead-letter topic is set; keep the
        # same range everywhere so a setting valid locally is valid in the cloud.
        if not 5 <= self.max_delivery_attempts <= 100:
            raise ValueError("max_delivery_attempts must be between 5 and 100")
        if not 10 <= self.ack_deadline_s <= 600:
            raise ValueError("ack_deadline_s must be between 10 and 600")
        if not 0 <= self.min_backoff_s <= self.max_backoff_s <= 600:
            raise ValueError("backoff must satisfy 0 <= min_backoff_s <= max_backoff_s <= 600")


@dataclass(frozen=True)
class ReceivedMessage:
    ack_id: str
    message_id: str
    data: bytes
    attributes: Mapping[str, str] = field(default_factory=dict)
    ordering_key: str = ""
    publish_time: datetime | None = None
    # 1 on the first delivery; counts every delivery of this message to the subscription.
    delivery_attempt: int = 1


class EventBus(Protocol):
    def ensure_topic(self, topic: str) -> None: ...

    def ensure_subscription(self, subscription: Subscription) -> None: ...

    def publish(
        self,
        topic: str,
        data: bytes,
        *,
        ordering_key: str = "",
        attributes: Mapping[str, str] | None = None,
    ) -> str:
        """Publish durably; returns the message id once the bus has it."""
        ...

    def pull(self, subscription: str, max_messages: int = 10, timeout_s: float = 1.0) -> list[ReceivedMessage]:
        """Lease up to ``max_messages`` due messages; may return an empty list."""
        ...

    def ack(self, subscription: str, ack_ids: list[str]) -> None: ...

    def nack(self, subscription: str, ack_ids: list[str]) -> None: ...

    def close(self) -> None: ...
