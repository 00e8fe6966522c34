"""The WhatsApp Cloud API as the platform sees it (shared/channels/provider.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid, verification_challenge
from shared.channels.provider import (
    ADDRESSED_BY_PHONE_DIGITS,
    META_CDN,
    TEMPLATE_OUTSIDE_WINDOW,
    AccountAccess,
    ApiBase,
    DemoAccount,
    MediaLookup,
    MediaUrl,
    ProviderDescriptor,
    ProviderEndpoint,
    ProviderMediaHosts,
    Rate,
    SignedRequest,
    Webhook,
    WebhookAnswer,
)
from shared.channels.provider_events import ApiCall, ProviderEvent
from shared.channels.whatsapp.inbound import CHANNEL, accounts_named, parse_webhook
from shared.channels.whatsapp.outbound import render
from shared.channels.whatsapp.send_results import error_disposition, sent_message_id
from shared.messages.wire import OutboundMessage


def _parse(body: Any, _channel: str, _account: str) -> list[ProviderEvent]:
    return parse_webhook(body)


def _verify(request: SignedRequest, app_secret: str) -> bool:
    return meta_signature_is_valid(request.raw_body, request.header, app_secret)


def _render(message: OutboundMessage, _human_agent_tag: bool) -> list[ApiCall]:
    return render(message)


def _endpoint(access: AccountAccess) -> ProviderEndpoint:
    token = access.credential("access_token")
    return ProviderEndpoint(root=f"{access.api_base}/{access.account}/",
                            headers={"Authorization": f"Bearer {token}"}, media_root=f"{access.api_base}/")


def _located(answer: dict[str, Any]) -> MediaUrl | None:
    url = answer.get("url")
    return MediaUrl(url, credentials=True) if isinstance(url, str) and url else None


def _media_source(media: Mapping[str, Any], endpoint: ProviderEndpoint) -> MediaUrl | MediaLookup | None:
    if media.get("id"):
        # GET /{media id} gives a short-lived URL that also needs the token.
        return MediaLookup(endpoint.media_root + quote(str(media["id"]), safe=""), "media lookup", _located,
                           "the media lookup gave no url")
    return MediaUrl(str(media["url"]), credentials=False) if media.get("url") else None


PROVIDER = ProviderDescriptor(
    name="whatsapp",
    channels=(CHANNEL,),
    webhooks=(Webhook("webhook_whatsapp", CHANNEL),),
    parse=_parse,
    body_format="json",
    verify=_verify,
    signature_header=SIGNATURE_HEADER,
    signing_role="app_secret",
    answer=lambda _body, result: WebhookAnswer(json=result),
    method_hint="use GET (verification) or POST",
    render=_render,
    sent_message_id=sent_message_id,
    error_disposition=error_disposition,
    endpoint=_endpoint,
    media_source=_media_source,
    # The Graph API's media lookup answers a lookaside URL that, too, needs the Bearer token.
    media_hosts=ProviderMediaHosts(media=("graph.facebook.com", "lookaside.fbsbx.com", *META_CDN),
                                   credentials=("graph.facebook.com", "lookaside.fbsbx.com")),
    api_base=ApiBase("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0"),
    # Cloud API throughput: 80 messages/s per business phone number by default.
    rates={CHANNEL: Rate(per_second=80, burst=80)},
    secret_names={CHANNEL: {"access_token": "whatsapp-access-token", "app_secret": "whatsapp-app-secret",
                            "verify_token": "whatsapp-verify-token"}},
    api_roles=("access_token",),
    webhook_roles=("verify_token", "app_secret"),
    customer_addresses={CHANNEL: ADDRESSED_BY_PHONE_DIGITS},
    demo_accounts={CHANNEL: DemoAccount("WHATSAPP_PHONE_NUMBER_ID", ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET"))},
    windows={CHANNEL: TEMPLATE_OUTSIDE_WINDOW},
    menus_as_buttons=True,
    handshake=verification_challenge,
    handshake_role="verify_token",
    accounts_named=accounts_named,
)
