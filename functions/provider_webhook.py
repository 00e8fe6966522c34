"""The one webhook of every registered provider (shared/channels/providers.py): each
functions/webhook_<x>/main.py names its function and hands the request here.

The provider's descriptor says how its requests look (JSON or form body, the signature header and
the secret that signs it, a handshake, an account in the URL) and what it wants back; this module
does the rest the same way for all of them.

A request vouches for itself with the signing secret of the account it is for, never the platform's
default one when that account names its own (channels[].secrets): its events are read (a pure
function, nothing is routed or written), each event's account is resolved, and the signature over the
raw bytes must match the secret of every account the request names. A request that carries no event
(an echo, a template update, a body it cannot read) vouches for itself with the platform's default
secret or with the own secret of an account its envelope names; it writes nothing either way. An
account that is not connected is refused exactly like a bad signature (403, same body), so the answer
never tells which accounts exist. A provider whose requests name their account only in the URL
(Telegram) has it looked up, and its header checked, before the body is read. The provider gets its
200 as soon as the events are on the bus: everything slow (media, the bot) happens behind the topics.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from flask import Request, Response

from functions.http_responses import json_error, json_response, parse_json, read_raw_body
from shared.bootstrap import Platform, current_platform
from shared.channels.credentials import account_owner, read_credential
from shared.channels.provider import ProviderDescriptor, SignedRequest, Webhook, WebhookAnswer
from shared.channels.provider_events import ProviderEvent
from shared.channels.providers import webhook_of
from shared.conversations.intake import receive_provider_events, route_events
from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound
from shared.kernel.logs import log
from shared.workspaces.directory import ChannelRoute

# The signing secret of an account (None: the platform's default); raises ConfigurationError.
SecretOf = Callable[[ChannelRoute | None], str]
# Whether the request is signed with this secret (and, for Twilio, comes from that route's account).
SignatureCheck = Callable[[str, ChannelRoute | None], bool]
Routed = list[tuple[ProviderEvent, ChannelRoute]]
# A body without events is checked against at most this many of the accounts it names (Meta sends one
# entry per account, and batches few): an unsigned body cannot make us look up thousands.
MAX_IDLE_ACCOUNTS = 10


def provider_webhook(request: Request, function: str) -> Response:
    """Serve one request to ``function``, the webhook of a registered provider."""
    provider, webhook = webhook_of(function)
    platform = current_platform()
    if request.method == "GET" and provider.handshake is not None:
        return _handshake(request, platform, provider, webhook)
    if request.method != "POST":
        return json_error(405, f"method {request.method} not allowed; {provider.method_hint}")
    if provider.path_account is not None:
        return _account_in_path(request, platform, provider, webhook)
    raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        return problem
    body, form, problem = _decoded(provider, raw)
    if problem is not None:
        return problem
    events, unreadable = read_events(provider, webhook, body)
    signed = SignedRequest(raw, request.headers.get(provider.signature_header),
                           _signed_url(provider, platform, request), form)
    owner = provider.request_owner(body) if provider.request_owner is not None else None

    def signed_with(secret: str, route: ChannelRoute | None) -> bool:
        if owner is not None and route is not None and not _owns(owner, route, platform, function):
            return False
        return provider.verify(signed, secret)

    named = provider.accounts_named(body) if provider.accounts_named is not None and not events else []
    routed = verify_accounts(platform, function, webhook.channel, provider.signature_header, events,
                             lambda route: read_credential(platform.secrets, webhook.channel, provider.signing_role,
                                                           route),
                             signed_with, named=named)
    if isinstance(routed, Response):
        return routed
    if unreadable is not None:
        return json_error(400, unreadable)
    return accept_events(platform, function, routed, provider, body)


def _handshake(request: Request, platform: Platform, provider: ProviderDescriptor, webhook: Webhook) -> Response:
    """The provider's subscription handshake (Meta's hub.* GET): echo its challenge for our verify token."""
    assert provider.handshake is not None
    try:
        verify_token = read_credential(platform.secrets, webhook.channel, provider.handshake_role)
    except ConfigurationError as exc:
        return not_configured(webhook.function, exc)
    challenge = provider.handshake(request.args, verify_token)
    if challenge is None:
        return forbidden(webhook.function, f"hub.{provider.handshake_role}")
    return Response(challenge, 200, mimetype="text/plain")


def _account_in_path(request: Request, platform: Platform, provider: ProviderDescriptor, webhook: Webhook
                     ) -> Response:
    """A provider whose requests never say which account they are for (Telegram): the URL names it, and
    its header-only signature is checked before the body is read."""
    assert provider.path_account is not None
    function, channel = webhook.function, webhook.channel
    account = request.path.strip("/")
    if not provider.path_account.is_valid(account):
        return json_error(404, f"expected /{function}/{provider.path_account.description}")
    try:
        route = platform.directory.channel(channel, account)
        expected = read_credential(platform.secrets, channel, provider.signing_role, route)
    except NotFound:
        # Refused like a wrong secret: the answer never tells which accounts are connected.
        log("WARNING", "webhook for an account that is not connected", function=function, channel=channel)
        return forbidden(function, provider.signature_header)
    except ConfigurationError as exc:
        return not_configured(function, exc)
    if not provider.verify(SignedRequest(b"", request.headers.get(provider.signature_header), request.url), expected):
        return forbidden(function, provider.signature_header)
    raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        return problem
    body, _form, problem = _decoded(provider, raw)
    if problem is not None:
        return problem
    try:
        events = provider.parse(body, channel, account)
    except InvalidInput as exc:
        return json_error(400, str(exc))
    return accept_events(platform, function, [(event, route) for event in events], provider, body)


def _decoded(provider: ProviderDescriptor, raw: bytes) -> tuple[Any, list[tuple[str, str]], Response | None]:
    """The body as its provider's parser takes it (JSON, or a form's parameters as a dict), the form's
    parameters in order (they are what a form's signature covers), or the 400."""
    if provider.body_format == "form":
        try:
            params = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None, [], json_error(400, "expected a form-encoded body (application/x-www-form-urlencoded)")
        return dict(params), params, None
    body, problem = parse_json(raw)
    return body, [], problem


def _signed_url(provider: ProviderDescriptor, platform: Platform, request: Request) -> str:
    # Twilio signs the URL it was given (TWILIO_WEBHOOK_URL); behind proxies the one seen here differs.
    if provider.signs_public_url and platform.settings.twilio_webhook_url:
        return platform.settings.twilio_webhook_url
    return request.url


def _owns(owner: str, route: ChannelRoute, platform: Platform, function: str) -> bool:
    """Whether the request names the provider account the number belongs to (one with no owner configured
    cannot be told apart from another account's, so it is never taken on trust)."""
    try:
        expected = account_owner(route, platform.settings, platform.secrets)
    except ConfigurationError as exc:
        log("ERROR", "webhook is not configured", function=function, error=str(exc))
        return False
    return bool(expected) and hmac.compare_digest(owner.encode(), expected.encode())


def not_configured(function: str, exc: ConfigurationError) -> Response:
    log("ERROR", "webhook is not configured", function=function, error=str(exc))
    return json_error(500, f"webhook not configured: {exc}")


def forbidden(function: str, what: str) -> Response:
    """The one refusal for a bad signature and for an account that is not connected."""
    log("WARNING", "webhook request refused: bad signature", function=function, check=what)
    return json_error(403, f"{what} is missing or does not match")


def read_events(provider: ProviderDescriptor, webhook: Webhook, body: Any
                ) -> tuple[Sequence[ProviderEvent], str | None]:
    """The events of a decoded body, or none and the problem that makes it unreadable as a whole."""
    try:
        return provider.parse(body, webhook.channel, ""), None
    except InvalidInput as exc:
        return [], str(exc)


def verify_accounts(platform: Platform, function: str, channel: str, header: str, events: Sequence[ProviderEvent],
                    secret_of: SecretOf, signed_with: SignatureCheck, named: Sequence[str] = ()) -> Routed | Response:
    """Each event with its account's route once the request is signed with every such account's own
    secret; else the 403 (or the 500 of a deployment missing an account's secret). Without events:
    signed with the channel's default secret or with the own secret of a connected account in
    ``named`` (the accounts the body's envelope names)."""
    try:
        routed = route_events(platform, channel, events)
    except NotFound:
        log("WARNING", "webhook for an account that is not connected", function=function, channel=channel)
        return forbidden(function, header)
    routes = list({(route.type, route.account): route for _, route in routed}.values())
    try:
        checks = [(secret_of(route), route) for route in routes]
    except ConfigurationError as exc:
        return not_configured(function, exc)
    if not checks:
        if not any(signed_with(secret, route) for secret, route in _idle_candidates(platform, channel, named,
                                                                                     secret_of)):
            return forbidden(function, header)
        return routed
    if not all(signed_with(secret, route) for secret, route in checks):
        return forbidden(function, header)
    return routed


def _idle_candidates(platform: Platform, channel: str, named: Sequence[str], secret_of: SecretOf
                     ) -> list[tuple[str, ChannelRoute | None]]:
    """Who may vouch for a request that carries no event; nobody when nothing is configured."""
    candidates: list[tuple[str, ChannelRoute | None]] = []
    routes = [None, *(_connected(platform, channel, account) for account in named[:MAX_IDLE_ACCOUNTS])]
    for index, route in enumerate(routes):
        if index > 0 and route is None:
            continue  # a named account that is not connected vouches for nothing
        try:
            candidates.append((secret_of(route), route))
        except ConfigurationError:
            continue  # no platform-wide secret (every account brings its own), or a deployment mistake
    return candidates


def _connected(platform: Platform, channel: str, account: str) -> ChannelRoute | None:
    try:
        return platform.directory.channel(channel, account)
    except NotFound:
        return None


def accept_events(platform: Platform, function: str, routed: Routed, provider: ProviderDescriptor, body: Any
                  ) -> Response:
    """The events on the bus, then the provider's own 200."""
    result = receive_provider_events(platform, function, routed)
    answer: WebhookAnswer = provider.answer(body, result.to_dict())
    if answer.text is not None:
        return Response(answer.text, 200, content_type=answer.content_type)
    return json_response(answer.json, 200)
