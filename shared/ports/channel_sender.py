"""Channel sender port: deliver one outbound message through a channel."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from shared.messages.wire import OutboundMessage


class ReplyWindow(Enum):
    """On which terms of the channel's customer-service window a message goes: decided by the delivery use
    case from the conversation (shared/channels/windows.py holds the rule), obeyed by the sender."""

    OPEN = "open"  # inside the window, or the channel has none
    # After it, a person's reply within the grace period: Messenger's and Instagram's HUMAN_AGENT tag.
    HUMAN_AGENT = "human_agent"


class ChannelSender(Protocol):
    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        """Deliver ``message``; returns the channel's id for it. Redelivering the same
        message id must not show the customer a second copy where the channel allows it."""
        ...

    def delivered(self, message_id: str) -> str | None:
        """The channel's id of a message this sender already delivered ("" when the channel gave none),
        or None: not delivered, or the channel keeps no record of its deliveries."""
        ...


class ChannelSenders(Protocol):
    """The sender of each channel (a plain dict of senders is one)."""

    def get(self, channel: str, default: ChannelSender | None = None, /) -> ChannelSender | None:
        """The sender of ``channel``, or ``default`` when the platform has none."""
        ...
