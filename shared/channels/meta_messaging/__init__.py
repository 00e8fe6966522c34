"""Facebook Messenger and Instagram messaging (Meta Graph API, Messenger Platform): webhook bodies in,
Send API requests out. Pure functions: the webhook function checks the signature and routes events,
the sender owns HTTP, credentials and retries.

- inbound: webhook bodies → ProviderEvents (the envelope and non-message items; inbound_messages
  reads the "message" items);
- outbound: LIMITS and OutboundMessage → Send API requests;
- answers: the message id of a successful send, and how to treat an error answer.
"""

from __future__ import annotations

from shared.channels.meta_messaging.inbound import INSTAGRAM, MESSENGER, accounts_named, channel_of, parse_webhook
from shared.channels.meta_messaging.outbound import LIMITS, SEND_PATH, MetaMessagingLimits, render
from shared.channels.meta_messaging.provider import PROVIDER
from shared.channels.meta_messaging.send_results import TRANSIENT_CODES, error_disposition, sent_message_id

__all__ = [
    "INSTAGRAM", "LIMITS", "MESSENGER", "PROVIDER", "SEND_PATH", "TRANSIENT_CODES", "MetaMessagingLimits",
    "accounts_named", "channel_of", "error_disposition", "parse_webhook", "render", "sent_message_id",
]
