"""The Telegram Bot API as the platform sees it (shared/channels/provider.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from shared.channels.provider import (
    ADDRESSED_BY_PROVIDER_ID,
    AccountAccess,
    ApiBase,
    DemoAccount,
    MediaLookup,
    MediaUrl,
    PathAccount,
    ProviderDescriptor,
    ProviderEndpoint,
    ProviderMediaHosts,
    Rate,
    SignedRequest,
    Webhook,
    WebhookAnswer,
)
from shared.channels.provider_events import ApiCall, ProviderEvent
from shared.channels.telegram.inbound import CHANNEL, parse_update
from shared.channels.telegram.outbound import render
from shared.channels.telegram.send_results import error_disposition, sent_message_id
from shared.channels.telegram.webhook import SECRET_HEADER, bot_id_of, secret_token_is_valid, webhook_reply
from shared.messages.wire import OutboundMessage


def _parse(update: Any, _channel: str, bot_id: str) -> list[ProviderEvent]:
    return parse_update(update, bot_id)


def _verify(request: SignedRequest, secret_token: str) -> bool:
    return secret_token_is_valid(request.header, secret_token)


def _answer(update: Any, result: dict[str, int]) -> WebhookAnswer:
    # Telegram runs one method given in the webhook's answer: the tapped button stops spinning.
    return WebhookAnswer(json=webhook_reply(update) or result)


def _render(message: OutboundMessage, _human_agent_tag: bool) -> list[ApiCall]:
    return render(message)


def _endpoint(access: AccountAccess) -> ProviderEndpoint:
    token = access.credential("access_token")
    return ProviderEndpoint(root=f"{access.api_base}/bot{token}/", media_root=f"{access.api_base}/file/bot{token}/")


def _media_source(media: Mapping[str, Any], endpoint: ProviderEndpoint) -> MediaUrl | MediaLookup | None:
    if media.get("id"):
        def located(answer: dict[str, Any]) -> MediaUrl | None:
            result = answer.get("result")
            path = result.get("file_path") if isinstance(result, dict) else None
            if not isinstance(path, str) or not path:
                return None
            # The token is in the download's path: no other credentials.
            return MediaUrl(endpoint.media_root + quote(path, safe="/"), credentials=False)

        return MediaLookup(endpoint.root + "getFile", "getFile", located,
                           "getFile gave no file_path (files over 20 MB cannot be downloaded by bots)",
                           params={"file_id": str(media["id"])})
    return MediaUrl(str(media["url"]), credentials=False) if media.get("url") else None


PROVIDER = ProviderDescriptor(
    name="telegram",
    channels=(CHANNEL,),
    webhooks=(Webhook("webhook_telegram", CHANNEL),),
    parse=_parse,
    body_format="json",
    verify=_verify,
    signature_header=SECRET_HEADER,
    signing_role="secret_token",
    answer=_answer,
    method_hint="Telegram POSTs updates",
    render=_render,
    sent_message_id=sent_message_id,
    error_disposition=error_disposition,
    endpoint=_endpoint,
    media_source=_media_source,
    # getFile's file_path is downloaded from api.telegram.org/file/bot<token>/<path> (token in the path).
    media_hosts=ProviderMediaHosts(media=("api.telegram.org",)),
    api_base=ApiBase("TELEGRAM_API_BASE", "https://api.telegram.org"),
    # Bot API: about 30 messages/s in total for a bot.
    rates={CHANNEL: Rate(per_second=30, burst=30)},
    secret_names={CHANNEL: {"access_token": "telegram-bot-token", "secret_token": "telegram-secret-token"}},
    api_roles=("access_token",),
    webhook_roles=("secret_token",),
    customer_addresses={CHANNEL: ADDRESSED_BY_PROVIDER_ID},
    # The bot token names the account: its id is the digits before ":".
    demo_accounts={CHANNEL: DemoAccount("TELEGRAM_BOT_TOKEN", ("TELEGRAM_SECRET_TOKEN",), account_of=bot_id_of)},
    menus_as_buttons=True,
    # An Update never says which bot it is for: the URL given to setWebhook does.
    path_account=PathAccount(str.isdigit, "<bot id> (the digits before ':' in the bot token)"),
)
