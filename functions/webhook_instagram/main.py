"""webhook_instagram: Instagram's webhook from the Messenger Platform (verification GET, signed POSTs)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import meta_messaging_parser, meta_webhook
from shared.channels.meta_messaging import INSTAGRAM, accounts_named

FUNCTION = "webhook_instagram"
_parse = meta_messaging_parser(INSTAGRAM)


@functions_framework.http
def webhook_instagram(request: Request) -> Response:
    return meta_webhook(request, FUNCTION, INSTAGRAM, _parse, accounts_named)
