"""The providers' customer-service windows, decided before a message is sent (each provider's
descriptor names its channels' policy: shared/channels/provider.py).

WhatsApp (Cloud API and through Twilio): free-form messages only within 24 hours of the customer's
last message; outside it only an approved template. Messenger and Instagram: anything within 24
hours; after that, for up to 7 days, only a human agent's reply, sent with the HUMAN_AGENT tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.channels.provider import HUMAN_AGENT_TAG_AFTER_WINDOW, TEMPLATE_OUTSIDE_WINDOW
from shared.channels.providers import is_provider_channel, provider_of
from shared.messages.wire import OutboundMessage

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
TEMPLATE_KIND = "template"
AGENT_SENDER = "agent"


@dataclass(frozen=True)
class WindowDecision:
    allowed: bool
    human_agent_tag: bool = False
    reason: str = ""


def window_policy(channel: str) -> str | None:
    """The window ``channel``'s provider binds its messages by (its descriptor's), if any."""
    return provider_of(channel).windows.get(channel) if is_provider_channel(channel) else None


def channel_has_window(channel: str) -> bool:
    """Whether messages of ``channel`` are bound by a customer-service window at all."""
    return window_policy(channel) is not None


def window_decision(message: OutboundMessage, last_customer_message_at: datetime | None,
                    now: datetime) -> WindowDecision:
    channel = message.channel
    policy = window_policy(channel)
    if policy is None:
        return WindowDecision(allowed=True)
    since = now - last_customer_message_at if last_customer_message_at else None
    inside = since is not None and since <= CUSTOMER_SERVICE_WINDOW
    if policy == TEMPLATE_OUTSIDE_WINDOW:
        if inside or message.kind == TEMPLATE_KIND:
            return WindowDecision(allowed=True)
        return WindowDecision(allowed=False, reason=(
            f"{channel}: the customer's last message is {_age(since)}, outside the 24-hour customer service"
            " window; only an approved template can be sent"))
    assert policy == HUMAN_AGENT_TAG_AFTER_WINDOW, policy
    if inside:
        return WindowDecision(allowed=True)
    if message.sender_type == AGENT_SENDER and since is not None and since <= HUMAN_AGENT_WINDOW:
        return WindowDecision(allowed=True, human_agent_tag=True)
    return WindowDecision(allowed=False, reason=(
        f"{channel}: the customer's last message is {_age(since)}; after 24 hours only a human agent may"
        " reply (HUMAN_AGENT tag), and only within 7 days"))


def _age(since: timedelta | None) -> str:
    if since is None:
        return "unknown (the customer never wrote)"
    hours = since.total_seconds() / 3600
    return f"{hours:.1f} hours old"
