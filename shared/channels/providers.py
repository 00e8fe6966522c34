"""The table of provider integrations: what the webhook, the sender, media downloads, pacing, windows,
credentials, the local stack, Terraform's inputs (shared/contracts/channel_secrets.json) and the tests
read. Adding a provider is its package in shared/channels exporting PROVIDER, one line here, and its
webhook's function folder (docs/adding-a-channel.md)."""

from __future__ import annotations

import json
from typing import Any

from shared.channels import meta_messaging, telegram, twilio, whatsapp
from shared.channels.provider import CustomerAddress, ProviderDescriptor, Webhook
from shared.kernel.errors import ConfigurationError
from shared.kernel.settings import Settings

PROVIDERS: tuple[ProviderDescriptor, ...] = (
    whatsapp.PROVIDER,
    meta_messaging.PROVIDER,
    telegram.PROVIDER,
    twilio.PROVIDER,
)

_BY_CHANNEL = {channel: provider for provider in PROVIDERS for channel in provider.channels}
_BY_WEBHOOK = {webhook.function: (provider, webhook) for provider in PROVIDERS for webhook in provider.webhooks}
assert len(_BY_CHANNEL) == sum(len(p.channels) for p in PROVIDERS), "a channel is served by one provider"
assert len(_BY_WEBHOOK) == sum(len(p.webhooks) for p in PROVIDERS), "a webhook function serves one provider"

# Every channel a provider API serves, in the table's order.
PROVIDER_CHANNELS: tuple[str, ...] = tuple(_BY_CHANNEL)
# Every provider webhook function, in the table's order.
WEBHOOK_FUNCTIONS: tuple[str, ...] = tuple(_BY_WEBHOOK)
# Channels whose customer addresses are phone numbers, in the table's order: contacts index them by number.
PHONE_CHANNELS: tuple[str, ...] = tuple(
    channel for provider in PROVIDERS for channel in provider.channels if provider.customer_addresses[channel].phone)


def is_provider_channel(channel: str) -> bool:
    return channel in _BY_CHANNEL


def provider_of(channel: str) -> ProviderDescriptor:
    """The provider serving ``channel``; ConfigurationError for a channel no provider serves."""
    try:
        return _BY_CHANNEL[channel]
    except KeyError:
        raise ConfigurationError(f"channel {channel!r} has no provider integration") from None


def phone_address_of(channel: str) -> CustomerAddress | None:
    """How ``channel`` writes a customer's phone number as their address; None when its addresses are no
    phone numbers (a provider's own ids, web chat's visitors, e-mail, a channel no provider serves)."""
    provider = _BY_CHANNEL.get(channel)
    address = provider.customer_addresses[channel] if provider is not None else None
    return address if address is not None and address.phone else None


def webhook_of(function: str) -> tuple[ProviderDescriptor, Webhook]:
    """The provider and webhook a webhook function serves."""
    try:
        return _BY_WEBHOOK[function]
    except KeyError:
        raise ConfigurationError(f"{function!r} is no provider webhook") from None


def webhook_function_of(channel: str) -> str:
    """The webhook function that receives ``channel``'s requests."""
    provider = provider_of(channel)
    named = [w.function for w in provider.webhooks if w.channel == channel]
    return (named or [provider.webhooks[0].function])[0]


def api_base_of(provider: ProviderDescriptor, settings: Settings) -> str:
    """The provider's API base: its variable's value when set (a simulator), else the real API."""
    return settings.api_bases.get(provider.api_base.variable, provider.api_base.default)


def secret_names() -> dict[str, dict[str, str]]:
    """Channel → credential role → default secret name, for every provider channel (what
    shared/contracts/channel_secrets.json carries for Terraform)."""
    return {channel: dict(provider.secret_names[channel]) for provider in PROVIDERS for channel in provider.channels}


CONTRACT_COMMENT = (
    "Written from the providers table (shared/channels/providers.py): python -m shared.channels.providers > "
    "shared/contracts/channel_secrets.json; tests/unit/channels/test_credentials.py checks it is current. "
    "Terraform reads it: the secrets to create (channels: the default secret's name per channel and role), "
    "the provider webhook functions to deploy with the credentials each reads (webhooks), and the credentials "
    "the provider APIs are called with (api_credentials: send_message, fetch_media). A channel account may name "
    "its own secret for a role (workspace.yaml channels[].secrets); webhooks check each request with the secret "
    "of the account it is for. A Twilio number on a Twilio account of its own also names, as role account_sid, "
    "a secret holding that account's SID (the others use TWILIO_ACCOUNT_SID). Locally each is read from "
    "CHARLA_SECRET_<NAME> or the bare <NAME> upper-cased (WHATSAPP_ACCESS_TOKEN)."
)


def channel_contract() -> dict[str, Any]:
    """What Terraform reads of the providers, as shared/contracts/channel_secrets.json holds it."""
    webhooks = {}
    for provider in PROVIDERS:
        for webhook in provider.webhooks:
            webhooks[webhook.function] = [f"{webhook.channel}/{role}" for role in provider.webhook_roles]
    api = [f"{channel}/{role}" for provider in PROVIDERS for channel in provider.channels
           for role in provider.api_roles]
    return {"_comment": CONTRACT_COMMENT, "channels": secret_names(), "webhooks": webhooks, "api_credentials": api}


def channel_contract_text() -> str:
    return json.dumps(channel_contract(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(channel_contract_text(), end="")
