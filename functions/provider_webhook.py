"""The HTTP side shared by the provider webhooks: raw body, signature, parsing, routing, answer.

Signatures are checked over the raw bytes before anything is parsed; a request that fails a
check gets 403 and publishes nothing. The provider gets its 200 as soon as the events are on the
bus: everything slow (media, the bot) happens behind the topics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Request, Response

from functions.http_responses import json_error, json_response, parse_json, read_raw_body
from shared.bootstrap import Platform, current_platform
from shared.channels.credentials import read_credential
from shared.channels.intake import receive_provider_events
from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid, verification_challenge
from shared.channels.provider_events import ProviderEvent
from shared.errors import ConfigurationError, InvalidInput, NotFound
from shared.observability import log

EventParser = Callable[[Any], Sequence[ProviderEvent]]


def not_configured(function: str, exc: ConfigurationError) -> Response:
    log("ERROR", "webhook is not configured", function=function, error=str(exc))
    return json_error(500, f"webhook not configured: {exc}")


def forbidden(function: str, what: str) -> Response:
    log("WARNING", "webhook request refused: bad signature", function=function, check=what)
    return json_error(403, f"{what} is missing or does not match")


def accept_events(platform: Platform, function: str, channel: str, events: Sequence[ProviderEvent],
                  answer: Callable[[dict[str, int]], Response] | None = None) -> Response:
    try:
        result = receive_provider_events(platform, function, channel, events)
    except NotFound as exc:
        log("WARNING", "webhook for an account that is not connected", function=function, channel=channel)
        return json_error(404, str(exc))
    if answer is not None:
        return answer(result.to_dict())
    return json_response(result.to_dict(), 200)


def meta_messaging_parser(channel: str) -> EventParser:
    """Messenger's and Instagram's parser, refusing a body meant for the other one."""
    from shared.channels import meta_messaging

    def parse(body: Any) -> Sequence[ProviderEvent]:
        if meta_messaging.channel_of(body) != channel:
            raise InvalidInput(f"object: {body.get('object')!r} is not for the {channel} webhook")
        return meta_messaging.parse_webhook(body)

    return parse


def meta_webhook(request: Request, function: str, channel: str, parse: EventParser) -> Response:
    """WhatsApp Cloud API, Messenger and Instagram: the GET handshake and signed POSTs."""
    platform = current_platform()
    try:
        if request.method == "GET":
            verify_token = read_credential(platform.secrets, channel, "verify_token")
            challenge = verification_challenge(request.args, verify_token)
            if challenge is None:
                return forbidden(function, "hub.verify_token")
            return Response(challenge, 200, mimetype="text/plain")
        if request.method != "POST":
            return json_error(405, f"method {request.method} not allowed; use GET (verification) or POST")
        raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
        if problem is not None:
            return problem
        app_secret = read_credential(platform.secrets, channel, "app_secret")
    except ConfigurationError as exc:
        return not_configured(function, exc)
    if not meta_signature_is_valid(raw, request.headers.get(SIGNATURE_HEADER), app_secret):
        return forbidden(function, SIGNATURE_HEADER)
    body, problem = parse_json(raw)
    if problem is not None:
        return problem
    try:
        events = parse(body)
    except InvalidInput as exc:
        return json_error(400, str(exc))
    return accept_events(platform, function, channel, events)
