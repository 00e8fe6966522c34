"""webhook_whatsapp: the WhatsApp Cloud API's webhook (verification GET, signed POSTs)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import provider_webhook

FUNCTION = "webhook_whatsapp"


@functions_framework.http
def webhook_whatsapp(request: Request) -> Response:
    return provider_webhook(request, FUNCTION)
