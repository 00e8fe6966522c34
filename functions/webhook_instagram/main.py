"""webhook_instagram: Instagram's webhook from the Messenger Platform (verification GET, signed POSTs)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import provider_webhook

FUNCTION = "webhook_instagram"


@functions_framework.http
def webhook_instagram(request: Request) -> Response:
    return provider_webhook(request, FUNCTION)
