"""The WhatsApp Business Cloud API (Meta): webhook bodies in, Messages API requests out.

Pure functions only: the lead's webhook checks signatures and routes by account, the sender owns
``{base}/{phone_number_id}/`` with the Bearer token, retries and pacing. Formats follow Meta's
"messages" webhook reference and the Messages API (developers.facebook.com/documentation/
business-messaging/whatsapp).

- inbound: "messages" webhook bodies → ProviderEvents;
- outbound: LIMITS and OutboundMessage → Messages API requests;
- answers: the wamid of a successful send, and how to treat an error answer.
"""

from __future__ import annotations

from shared.channels.whatsapp.inbound import CHANNEL, WEBHOOK_OBJECT, accounts_named, parse_webhook
from shared.channels.whatsapp.outbound import LIMITS, LIST_BUTTON_DEFAULT, MESSAGES_PATH, WhatsAppLimits, render
from shared.channels.whatsapp.provider import PROVIDER
from shared.channels.whatsapp.send_results import (
    REENGAGEMENT_CODE,
    SERVER_TROUBLE_CODES,
    THROTTLING_CODES,
    TOKEN_CODE,
    error_disposition,
    sent_message_id,
)

__all__ = [
    "CHANNEL", "LIMITS", "LIST_BUTTON_DEFAULT", "MESSAGES_PATH", "PROVIDER", "REENGAGEMENT_CODE",
    "SERVER_TROUBLE_CODES", "THROTTLING_CODES", "TOKEN_CODE", "WEBHOOK_OBJECT", "WhatsAppLimits", "accounts_named",
    "error_disposition", "parse_webhook", "render", "sent_message_id",
]
