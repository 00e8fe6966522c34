"""Messenger and Instagram messaging (one Graph API integration) as the platform sees them
(shared/channels/provider.py)."""

from __future__ import annotations

from typing import Any

from shared.channels.meta_messaging.inbound import INSTAGRAM, MESSENGER, accounts_named, channel_of, parse_webhook
from shared.channels.meta_messaging.outbound import render
from shared.channels.meta_messaging.send_results import error_disposition, sent_message_id
from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid, verification_challenge
from shared.channels.provider import (
    ADDRESSED_BY_PROVIDER_ID,
    HUMAN_AGENT_TAG_AFTER_WINDOW,
    META_CDN,
    AccountAccess,
    ApiBase,
    DemoAccount,
    ProviderDescriptor,
    ProviderEndpoint,
    ProviderMediaHosts,
    Rate,
    SignedRequest,
    Webhook,
    WebhookAnswer,
    media_url_as_given,
)
from shared.channels.provider_events import ApiCall, ProviderEvent
from shared.kernel.errors import InvalidInput
from shared.messages.wire import OutboundMessage


def _parse(body: Any, channel: str, _account: str) -> list[ProviderEvent]:
    """The events of a body, refusing one meant for the other channel's webhook."""
    if channel_of(body) != channel:
        raise InvalidInput(f"object: {body.get('object')!r} is not for the {channel} webhook")
    return parse_webhook(body)


def _verify(request: SignedRequest, app_secret: str) -> bool:
    return meta_signature_is_valid(request.raw_body, request.header, app_secret)


def _render(message: OutboundMessage, human_agent_tag: bool) -> list[ApiCall]:
    return render(message, human_agent_tag=human_agent_tag)


def _endpoint(access: AccountAccess) -> ProviderEndpoint:
    token = access.credential("access_token")
    return ProviderEndpoint(root=f"{access.api_base}/{access.account}/",
                            headers={"Authorization": f"Bearer {token}"}, media_root=f"{access.api_base}/")


PROVIDER = ProviderDescriptor(
    name="meta_messaging",
    channels=(MESSENGER, INSTAGRAM),
    webhooks=(Webhook("webhook_messenger", MESSENGER), Webhook("webhook_instagram", INSTAGRAM)),
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
    # Attachment URLs are signed CDN links: no credentials.
    media_source=media_url_as_given(credentials=False),
    # Attachment URLs are signed CDN links: no credentials at all.
    media_hosts=ProviderMediaHosts(media=META_CDN),
    api_base=ApiBase("META_API_BASE", "https://graph.facebook.com/v21.0"),
    rates={
        # Messenger Platform: send API calls are limited per Page (200 * engaged users / 24 h); stay well under.
        MESSENGER: Rate(per_second=40, burst=40),
        # Instagram messaging: 100 calls/s per account for text, links, reactions and stickers.
        INSTAGRAM: Rate(per_second=50, burst=50),
    },
    secret_names={
        MESSENGER: {"access_token": "messenger-page-token", "app_secret": "meta-app-secret",
                    "verify_token": "meta-verify-token"},
        INSTAGRAM: {"access_token": "instagram-token", "app_secret": "meta-app-secret",
                    "verify_token": "meta-verify-token"},
    },
    api_roles=("access_token",),
    webhook_roles=("verify_token", "app_secret"),
    customer_addresses={MESSENGER: ADDRESSED_BY_PROVIDER_ID, INSTAGRAM: ADDRESSED_BY_PROVIDER_ID},
    demo_accounts={
        MESSENGER: DemoAccount("MESSENGER_PAGE_ID", ("MESSENGER_PAGE_TOKEN", "META_APP_SECRET")),
        INSTAGRAM: DemoAccount("INSTAGRAM_ACCOUNT_ID", ("INSTAGRAM_TOKEN", "META_APP_SECRET")),
    },
    windows={MESSENGER: HUMAN_AGENT_TAG_AFTER_WINDOW, INSTAGRAM: HUMAN_AGENT_TAG_AFTER_WINDOW},
    menus_as_buttons=True,
    handshake=verification_challenge,
    handshake_role="verify_token",
    accounts_named=accounts_named,
)
