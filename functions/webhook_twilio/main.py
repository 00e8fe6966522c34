"""webhook_twilio: Twilio's incoming-message webhooks and status callbacks, SMS and WhatsApp.

X-Twilio-Signature signs the URL Twilio was given (TWILIO_WEBHOOK_URL; behind proxies the URL
this function sees differs) followed by the sorted POST parameters. A Twilio account is its AccountSid
and its number (To, or From in a status callback): the request must name the number's own Twilio
account and be signed with that account's auth token (functions/provider_webhook.py).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

import functions_framework
from flask import Request, Response

from functions.http_responses import json_error, read_raw_body
from functions.provider_webhook import accept_events, read_events, verify_accounts
from shared.bootstrap import Platform, current_platform
from shared.channels import twilio
from shared.channels.credentials import read_credential, twilio_account_sid
from shared.kernel.errors import ConfigurationError
from shared.kernel.logs import log
from shared.workspaces.directory import ChannelRoute

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
    events, unreadable = read_events(twilio.parse_webhook, dict(params))
    url = platform.settings.twilio_webhook_url or request.url
    header = request.headers.get(twilio.SIGNATURE_HEADER)
    account_sid = dict(params).get("AccountSid", "")

    def signed_with(auth_token: str, route: ChannelRoute | None) -> bool:
        if route is not None and not _is_account(account_sid, route, platform):
            return False
        return twilio.twilio_signature_is_valid(url, params, header, auth_token)

    # One webhook and one default auth token serve both Twilio channels; a number may name its own.
    routed = verify_accounts(platform, FUNCTION, twilio.TWILIO_SMS, twilio.SIGNATURE_HEADER, events,
                             lambda route: read_credential(platform.secrets, twilio.TWILIO_SMS, "auth_token", route),
                             signed_with)
    if isinstance(routed, Response):
        return routed
    if unreadable is not None:
        return json_error(400, unreadable)

    def answer(result: dict[str, int]) -> Response:
        body, content_type = twilio.webhook_response()
        return Response(body, 200, content_type=content_type)

    return accept_events(platform, FUNCTION, routed, answer)


def _is_account(account_sid: str, route: ChannelRoute, platform: Platform) -> bool:
    """Whether the request names the Twilio account the number belongs to (one with no SID configured
    cannot be told apart from another account's, so it is never taken on trust)."""
    try:
        expected = twilio_account_sid(route, platform.settings, platform.secrets)
    except ConfigurationError as exc:
        log("ERROR", "webhook is not configured", function=FUNCTION, error=str(exc))
        return False
    return bool(expected) and hmac.compare_digest(account_sid.encode(), expected.encode())
