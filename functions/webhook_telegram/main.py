"""webhook_telegram: Telegram Bot API updates, POSTed to /webhook_telegram/<bot id>.

An Update does not say which bot it is for, so the URL does (setWebhook with that URL and a
secret_token, which Telegram echoes in X-Telegram-Bot-Api-Secret-Token).
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import provider_webhook

FUNCTION = "webhook_telegram"


@functions_framework.http
def webhook_telegram(request: Request) -> Response:
    return provider_webhook(request, FUNCTION)
