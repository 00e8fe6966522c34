"""Twilio Programmable Messaging, SMS and WhatsApp: webhook signatures, incoming-message webhooks and
status callbacks in, Message-resource requests out, and how to treat Twilio's error answers.

One webhook serves both channels: Twilio addresses WhatsApp users as ``whatsapp:+E164`` and SMS
users as plain ``+E164``, so the prefix of ``From`` decides the channel of each request.

Pure functions only: the lead's sender posts each ApiCall form-encoded with basic auth
(account SID : auth token) to ``{base}/2010-04-01/Accounts/{sid}/{path}``.

- addresses: the two channels and their ``whatsapp:`` prefix;
- inbound: X-Twilio-Signature checks, webhook parameters → ProviderEvents, vCard contacts;
- outbound: LIMITS and OutboundMessage → Messages.json requests;
- answers: the sid of a created message, and how to treat an error answer.
"""

from __future__ import annotations

from shared.channels.twilio.addresses import CHANNELS, TWILIO_SMS, TWILIO_WHATSAPP, WHATSAPP_PREFIX
from shared.channels.twilio.inbound import (
    SIGNATURE_HEADER,
    Params,
    contacts_from_vcard,
    parse_webhook,
    twilio_signature,
    twilio_signature_is_valid,
    webhook_response,
)
from shared.channels.twilio.outbound import LIMITS, MESSAGES_PATH, TwilioLimits, numbered, render
from shared.channels.twilio.provider import PROVIDER
from shared.channels.twilio.send_results import error_disposition, sent_message_id

__all__ = [
    "CHANNELS", "LIMITS", "MESSAGES_PATH", "PROVIDER", "SIGNATURE_HEADER", "TWILIO_SMS", "TWILIO_WHATSAPP",
    "WHATSAPP_PREFIX", "Params", "TwilioLimits", "contacts_from_vcard", "error_disposition", "numbered",
    "parse_webhook", "render", "sent_message_id", "twilio_signature", "twilio_signature_is_valid",
    "webhook_response",
]
