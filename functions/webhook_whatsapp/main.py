"""webhook_whatsapp: the WhatsApp Cloud API's webhook (verification GET, signed POSTs)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import meta_webhook
from shared.channels import whatsapp

FUNCTION = "webhook_whatsapp"


@functions_framework.http
def webhook_whatsapp(request: Request) -> Response:
    return meta_webhook(request, FUNCTION, whatsapp.CHANNEL, whatsapp.parse_webhook, whatsapp.accounts_named)
