"""webhook_telegram: Telegram Bot API updates, POSTed to /webhook_telegram/<bot id>.

An Update does not say which bot it is for, so the URL does (setWebhook with that URL and a
secret_token, which Telegram echoes in X-Telegram-Bot-Api-Secret-Token).
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from functions.http_responses import json_error, json_response, parse_json, read_raw_body
from functions.provider_webhook import accept_events, forbidden, not_configured
from shared.bootstrap import current_platform
from shared.channels import telegram
from shared.channels.credentials import read_credential
from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound
from shared.kernel.logs import log

FUNCTION = "webhook_telegram"


@functions_framework.http
def webhook_telegram(request: Request) -> Response:
    if request.method != "POST":
        return json_error(405, f"method {request.method} not allowed; Telegram POSTs updates")
    bot_id = request.path.strip("/")
    if not bot_id.isdigit():
        return json_error(404, "expected /webhook_telegram/<bot id> (the digits before ':' in the bot token)")
    platform = current_platform()
    try:
        route = platform.directory.channel(telegram.CHANNEL, bot_id)
        expected = read_credential(platform.secrets, telegram.CHANNEL, "secret_token", route)
    except NotFound:
        # Refused like a wrong secret: the answer never tells which bots are connected.
        log("WARNING", "webhook for an account that is not connected", function=FUNCTION, channel=telegram.CHANNEL)
        return forbidden(FUNCTION, telegram.SECRET_HEADER)
    except ConfigurationError as exc:
        return not_configured(FUNCTION, exc)
    if not telegram.secret_token_is_valid(request.headers.get(telegram.SECRET_HEADER), expected):
        return forbidden(FUNCTION, telegram.SECRET_HEADER)
    raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        return problem
    update, problem = parse_json(raw)
    if problem is not None:
        return problem
    try:
        events = telegram.parse_update(update, bot_id)
    except InvalidInput as exc:
        return json_error(400, str(exc))

    def answer(result: dict[str, int]) -> Response:
        # Telegram runs one method given in the webhook's answer: the tapped button stops spinning.
        return json_response(telegram.webhook_reply(update) or result, 200)

    return accept_events(platform, FUNCTION, [(event, route) for event in events], answer)
