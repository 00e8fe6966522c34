"""The providers' customer-service windows, decided before a message is sent.

WhatsApp (Cloud API and through Twilio): free-form messages only within 24 hours of the customer's
last message; outside it only an approved template. Messenger and Instagram: anything within 24
hours; after that, for up to 7 days, only a human agent's reply, sent with the HUMAN_AGENT tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.messages.wire import OutboundMessage

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
TEMPLATE_KIND = "template"
AGENT_SENDER = "agent"

TEMPLATE_OUTSIDE_WINDOW = ("whatsapp", "twilio_whatsapp")
HUMAN_AGENT_TAG_AFTER_WINDOW = ("messenger", "instagram")


@dataclass(frozen=True)
class WindowDecision:
    allowed: bool
    human_agent_tag: bool = False
    reason: str = ""


def window_decision(message: OutboundMessage, last_customer_message_at: datetime | None,
                    now: datetime) -> WindowDecision:
    channel = message.channel
    if channel not in TEMPLATE_OUTSIDE_WINDOW + HUMAN_AGENT_TAG_AFTER_WINDOW:
        return WindowDecision(allowed=True)
    since = now - last_customer_message_at if last_customer_message_at else None
    inside = since is not None and since <= CUSTOMER_SERVICE_WINDOW
    if channel in TEMPLATE_OUTSIDE_WINDOW:
        if inside or message.kind == TEMPLATE_KIND:
            return WindowDecision(allowed=True)
        return WindowDecision(allowed=False, reason=(
            f"{channel}: the customer's last message is {_age(since)}, outside the 24-hour customer service"
            " window; only an approved template can be sent"))
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
