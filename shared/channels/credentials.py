"""Provider credentials and API roots: which secret holds each credential of a channel account, and
where (with which authentication) that account's API calls go. The names and the roots are each
provider's (its descriptor in shared/channels/providers.py); this module reads them for an account."""

from __future__ import annotations

from pathlib import Path

from shared.channels.provider import AccountAccess, ProviderEndpoint
from shared.channels.providers import api_base_of, provider_of
from shared.kernel.errors import ConfigurationError, NotFound
from shared.kernel.settings import Settings
from shared.ports.secrets import Secrets
from shared.workspaces.directory import ChannelRoute

# What Terraform reads: the providers' secret names and webhooks, written from the table and checked
# against it (tests/unit/channels/test_credentials.py).
SECRETS_FILE = Path(__file__).resolve().parent.parent / "contracts" / "channel_secrets.json"

__all__ = ["SECRETS_FILE", "ProviderEndpoint", "provider_endpoint", "read_credential", "secret_name"]


def secret_name(channel: str, role: str, route: ChannelRoute | None = None) -> str:
    """The secret holding ``role`` of an account: the one the account names, else its provider's default."""
    if route is not None and role in route.secrets:
        return route.secrets[role]
    try:
        return provider_of(channel).secret_names[channel][role]
    except (ConfigurationError, KeyError):
        raise ConfigurationError(f"channel {channel!r} has no credential {role!r}") from None


def read_credential(secrets: Secrets, channel: str, role: str, route: ChannelRoute | None = None) -> str:
    name = secret_name(channel, role, route)
    try:
        return secrets.get(name)
    except NotFound:
        raise ConfigurationError(f"{channel} {role}: secret {name!r} is not set") from None


def account_owner(route: ChannelRoute, settings: Settings, secrets: Secrets) -> str:
    """The provider account a channel account belongs to (Twilio's AccountSid of a number): the secret
    the account names under its provider's owner role, else the platform's (TWILIO_ACCOUNT_SID); ""
    when none is configured or the provider has no such thing."""
    role = provider_of(route.type).owner_role
    if not role:
        return ""
    name = route.secrets.get(role)
    if name is None:
        return settings.twilio_account_sid
    try:
        return secrets.get(name)
    except NotFound:
        raise ConfigurationError(f"{route.type} {role}: secret {name!r} is not set") from None


def provider_endpoint(route: ChannelRoute, settings: Settings, secrets: Secrets) -> ProviderEndpoint:
    channel = route.type
    try:
        provider = provider_of(channel)
    except ConfigurationError:
        raise ConfigurationError(f"channel {channel!r} has no provider API") from None
    access = AccountAccess(
        channel=channel, account=route.account, api_base=api_base_of(provider, settings),
        credential=lambda role: read_credential(secrets, channel, role, route),
        owner=account_owner(route, settings, secrets))
    return provider.endpoint(access)
