"""webhook_twilio: Twilio's incoming-message webhooks and status callbacks, SMS and WhatsApp.

X-Twilio-Signature signs the URL Twilio was given (TWILIO_WEBHOOK_URL; behind proxies the URL
this function sees differs) followed by the sorted POST parameters.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import functions_framework
from flask import Request, Response

from functions.http_responses import json_error, read_raw_body
from functions.provider_webhook import accept_events, forbidden, not_configured
from shared.bootstrap import current_platform
from shared.channels import twilio
from shared.channels.credentials import read_credential
from shared.errors import ConfigurationError, InvalidInput

FUNCTION = "webhook_twilio"


@functions_framework.http
def webhook_twilio(request: Request) -> Response:
    if request.method != "POST":
        return json_error(405, f"method {request.method} not allowed; Twilio POSTs form-encoded parameters")
    platform = current_platform()
    raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        return problem
    try:
        params = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return json_error(400, "expected a form-encoded body (application/x-www-form-urlencoded)")
    try:
        auth_token = read_credential(platform.secrets, twilio.TWILIO_SMS, "auth_token")
    except ConfigurationError as exc:
        return not_configured(FUNCTION, exc)
    url = platform.settings.twilio_webhook_url or request.url
    if not twilio.twilio_signature_is_valid(url, params, request.headers.get(twilio.SIGNATURE_HEADER), auth_token):
        return forbidden(FUNCTION, twilio.SIGNATURE_HEADER)
    try:
        events = twilio.parse_webhook(dict(params))
    except InvalidInput as exc:
        return json_error(400, str(exc))

    def answer(result: dict[str, int]) -> Response:
        body, content_type = twilio.webhook_response()
        return Response(body, 200, content_type=content_type)

    return accept_events(platform, FUNCTION, twilio.TWILIO_SMS, events, answer)
