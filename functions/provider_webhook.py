"""The HTTP side shared by the provider webhooks: raw body, the accounts it is for, their signatures,
routing, answer.

A request vouches for itself with the signing secret of the account it is for, never the platform's
default one when that account names its own (channels[].secrets): its events are read (a pure
function, nothing is routed or written), each event's account is resolved, and the signature over the
raw bytes must match the secret of every account the request names. A request that carries no event
(an echo, a template update, a body it cannot read) vouches for itself with the platform's default
secret or with the own secret of an account its envelope names; it writes nothing either way. An
account that is not connected is refused exactly like a bad signature (403, same body), so the answer
never tells which accounts exist. The provider gets its 200 as soon as the events are on the bus:
everything slow (media, the bot) happens behind the topics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Request, Response

from functions.http_responses import json_error, json_response, parse_json, read_raw_body
from shared.bootstrap import Platform, current_platform
from shared.channels.credentials import read_credential
from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid, verification_challenge
from shared.channels.provider_events import ProviderEvent
from shared.conversations.intake import receive_provider_events, route_events
from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound
from shared.kernel.logs import log
from shared.workspaces.directory import ChannelRoute

EventParser = Callable[[Any], Sequence[ProviderEvent]]
# The signing secret of an account (None: the platform's default); raises ConfigurationError.
SecretOf = Callable[[ChannelRoute | None], str]
# Whether the request is signed with this secret (and, for Twilio, comes from that route's account).
SignatureCheck = Callable[[str, ChannelRoute | None], bool]
Routed = list[tuple[ProviderEvent, ChannelRoute]]
# A body without events is checked against at most this many of the accounts it names (Meta sends one
# entry per account, and batches few): an unsigned body cannot make us look up thousands.
MAX_IDLE_ACCOUNTS = 10


def not_configured(function: str, exc: ConfigurationError) -> Response:
    log("ERROR", "webhook is not configured", function=function, error=str(exc))
    return json_error(500, f"webhook not configured: {exc}")


def forbidden(function: str, what: str) -> Response:
    """The one refusal for a bad signature and for an account that is not connected."""
    log("WARNING", "webhook request refused: bad signature", function=function, check=what)
    return json_error(403, f"{what} is missing or does not match")


def read_events(parse: EventParser, body: Any) -> tuple[Sequence[ProviderEvent], str | None]:
    """The events of a decoded body, or none and the problem that makes it unreadable as a whole."""
    try:
        return parse(body), None
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


def accept_events(platform: Platform, function: str, routed: Routed,
                  answer: Callable[[dict[str, int]], Response] | None = None) -> Response:
    result = receive_provider_events(platform, function, routed)
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


def meta_webhook(request: Request, function: str, channel: str, parse: EventParser,
                 accounts_named: Callable[[Any], list[str]]) -> Response:
    """WhatsApp Cloud API, Messenger and Instagram: the GET handshake and signed POSTs.

    ``accounts_named``: the accounts a body's envelope names, whatever its shape (never raises)."""
    platform = current_platform()
    if request.method == "GET":
        try:
            verify_token = read_credential(platform.secrets, channel, "verify_token")
        except ConfigurationError as exc:
            return not_configured(function, exc)
        challenge = verification_challenge(request.args, verify_token)
        if challenge is None:
            return forbidden(function, "hub.verify_token")
        return Response(challenge, 200, mimetype="text/plain")
    if request.method != "POST":
        return json_error(405, f"method {request.method} not allowed; use GET (verification) or POST")
    raw, problem = read_raw_body(request, platform.settings.max_body_bytes)
    if problem is not None:
        return problem
    body, problem = parse_json(raw)
    if problem is not None:
        return problem
    events, unreadable = read_events(parse, body)
    header = request.headers.get(SIGNATURE_HEADER)
    routed = verify_accounts(platform, function, channel, SIGNATURE_HEADER, events,
                             lambda route: read_credential(platform.secrets, channel, "app_secret", route),
                             lambda secret, _route: meta_signature_is_valid(raw, header, secret),
                             named=[] if events else accounts_named(body))
    if isinstance(routed, Response):
        return routed
    if unreadable is not None:
        return json_error(400, unreadable)
    return accept_events(platform, function, routed)
