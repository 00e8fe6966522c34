"""webhook_messenger: Messenger's webhook from the Messenger Platform (verification GET, signed POSTs)."""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.provider_webhook import meta_messaging_parser, meta_webhook
from shared.channels.meta_messaging import MESSENGER, accounts_named

FUNCTION = "webhook_messenger"
_parse = meta_messaging_parser(MESSENGER)


@functions_framework.http
def webhook_messenger(request: Request) -> Response:
    return meta_webhook(request, FUNCTION, MESSENGER, _parse, accounts_named)
