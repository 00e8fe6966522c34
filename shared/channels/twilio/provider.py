"""Twilio Programmable Messaging, SMS and WhatsApp, as the platform sees it (shared/channels/provider.py)."""

from __future__ import annotations

from typing import Any

from shared.channels.provider import (
    ADDRESSED_BY_PHONE,
    TEMPLATE_OUTSIDE_WINDOW,
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
from shared.channels.twilio.addresses import TWILIO_SMS, TWILIO_WHATSAPP
from shared.channels.twilio.inbound import SIGNATURE_HEADER, parse_webhook, twilio_signature_is_valid, webhook_response
from shared.channels.twilio.outbound import render
from shared.channels.twilio.send_results import error_disposition, sent_message_id
from shared.kernel.errors import ConfigurationError
from shared.messages.wire import OutboundMessage

# A Twilio number on a Twilio account (or subaccount) of its own names, besides its "auth_token", a secret
# holding that account's SID under this role (workspace.yaml channels[].secrets); the others belong to
# the platform's account, TWILIO_ACCOUNT_SID. Not a default secret: the SID is no credential.
ACCOUNT_SID_ROLE = "account_sid"


def _parse(params: Any, _channel: str, _account: str) -> list[ProviderEvent]:
    return parse_webhook(params)


def _verify(request: SignedRequest, auth_token: str) -> bool:
    return twilio_signature_is_valid(request.url, list(request.form), request.header, auth_token)


def _answer(_params: Any, _result: dict[str, int]) -> WebhookAnswer:
    body, content_type = webhook_response()
    return WebhookAnswer(text=body.decode(), content_type=content_type)


def _render(message: OutboundMessage, _human_agent_tag: bool) -> list[ApiCall]:
    return render(message)


def _endpoint(access: AccountAccess) -> ProviderEndpoint:
    sid = access.owner
    if not sid:
        raise ConfigurationError(f"{access.channel}: TWILIO_ACCOUNT_SID is not set")
    token = access.credential("auth_token")
    return ProviderEndpoint(root=f"{access.api_base}/2010-04-01/Accounts/{sid}/", basic_auth=(sid, token),
                            media_root=f"{access.api_base}/")


def _request_owner(params: Any) -> str:
    return str(params.get("AccountSid", "")) if isinstance(params, dict) else ""


_DEFAULT_SECRETS = {"auth_token": "twilio-auth-token"}
# One number serves both channels locally; the platform's account SID is a setting (TWILIO_ACCOUNT_SID).
_DEMO_ACCOUNT = DemoAccount("TWILIO_NUMBER", ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"))

PROVIDER = ProviderDescriptor(
    name="twilio",
    channels=(TWILIO_SMS, TWILIO_WHATSAPP),
    # One webhook and one default auth token serve both channels: the prefix of From decides each request's.
    webhooks=(Webhook("webhook_twilio", TWILIO_SMS),),
    parse=_parse,
    body_format="form",
    verify=_verify,
    signature_header=SIGNATURE_HEADER,
    signing_role="auth_token",
    answer=_answer,
    method_hint="Twilio POSTs form-encoded parameters",
    render=_render,
    sent_message_id=sent_message_id,
    error_disposition=error_disposition,
    endpoint=_endpoint,
    # Media URLs are on the API and take the account's basic auth.
    media_source=media_url_as_given(credentials=True),
    # MediaUrl is on the API (basic auth), which redirects to a short-lived link on Twilio's media CDN.
    media_hosts=ProviderMediaHosts(media=("api.twilio.com", "*.twiliocdn.com", "s3-external-1.amazonaws.com"),
                                   credentials=("api.twilio.com",)),
    api_base=ApiBase("TWILIO_API_BASE", "https://api.twilio.com"),
    rates={
        # Twilio queues up to 1 segment/s for a long-code number (US/CA); a short burst fills the queue.
        TWILIO_SMS: Rate(per_second=1, burst=10),
        TWILIO_WHATSAPP: Rate(per_second=80, burst=80),
    },
    secret_names={TWILIO_SMS: _DEFAULT_SECRETS, TWILIO_WHATSAPP: _DEFAULT_SECRETS},
    api_roles=("auth_token",),
    webhook_roles=("auth_token",),
    customer_addresses={TWILIO_SMS: ADDRESSED_BY_PHONE, TWILIO_WHATSAPP: ADDRESSED_BY_PHONE},
    demo_accounts={TWILIO_SMS: _DEMO_ACCOUNT, TWILIO_WHATSAPP: _DEMO_ACCOUNT},
    windows={TWILIO_WHATSAPP: TEMPLATE_OUTSIDE_WINDOW},
    request_owner=_request_owner,
    signs_public_url=True,
    owner_role=ACCOUNT_SID_ROLE,
)
