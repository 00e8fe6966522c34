"""Channel sender port: deliver one outbound message through a channel."""

from __future__ import annotations

from typing import Protocol

from shared.messages.wire import OutboundMessage


class ChannelSender(Protocol):
    def send(self, message: OutboundMessage) -> str:
        """Deliver ``message``; returns the channel's id for it. Redelivering the same
        message id must not show the customer a second copy where the channel allows it."""
        ...


class ChannelSenders(Protocol):
    """The sender of each channel (a plain dict of senders is one)."""

    def get(self, channel: str, default: ChannelSender | None = None, /) -> ChannelSender | None:
        """The sender of ``channel``, or ``default`` when the platform has none."""
        ...
