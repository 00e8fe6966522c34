"""webhook_twilio: Twilio's incoming-message webhooks and status callbacks, SMS and WhatsApp.

X-Twilio-Signature signs the URL Twilio was given (TWILIO_WEBHOOK_URL; behind proxies the URL
this function sees differs) followed by the sorted POST parameters. A Twilio account is its AccountSid
and its number (To, or From in a status callback): the request must name the number's own Twilio
account and be signed with that account's auth token. functions/provider_webhook.py serves it, as it
serves every provider's webhook.
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import provider_webhook

FUNCTION = "webhook_twilio"


@functions_framework.http
def webhook_twilio(request: Request) -> Response:
    return provider_webhook(request, FUNCTION)
