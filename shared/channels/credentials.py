"""Provider credentials and API roots: which secret holds each credential of a channel account, and
where (with which authentication) that account's API calls go."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from shared.kernel.errors import ConfigurationError, NotFound
from shared.kernel.settings import Settings
from shared.ports.secrets import Secrets
from shared.workspaces.directory import ChannelRoute

SECRETS_FILE = Path(__file__).resolve().parent.parent / "contracts" / "channel_secrets.json"
HTTP_CHANNELS = ("whatsapp", "messenger", "instagram", "telegram", "twilio_sms", "twilio_whatsapp")


@functools.cache
def default_secret_names() -> dict[str, dict[str, str]]:
    return json.loads(SECRETS_FILE.read_text(encoding="utf-8"))["channels"]


def secret_name(channel: str, role: str, route: ChannelRoute | None = None) -> str:
    if route is not None and role in route.secrets:
        return route.secrets[role]
    try:
        return default_secret_names()[channel][role]
    except KeyError:
        raise ConfigurationError(f"channel {channel!r} has no credential {role!r}") from None


def read_credential(secrets: Secrets, channel: str, role: str, route: ChannelRoute | None = None) -> str:
    name = secret_name(channel, role, route)
    try:
        return secrets.get(name)
    except NotFound:
        raise ConfigurationError(f"{channel} {role}: secret {name!r} is not set") from None


# A Twilio number on a Twilio account (or subaccount) of its own names, besides its "auth_token", a secret
# holding that account's SID under this role (workspace.yaml channels[].secrets); the others belong to
# the platform's account, TWILIO_ACCOUNT_SID. Not a default secret: the SID is no credential.
TWILIO_ACCOUNT_SID_ROLE = "account_sid"


def twilio_account_sid(route: ChannelRoute, settings: Settings, secrets: Secrets) -> str:
    """The AccountSid of the Twilio account a Twilio number belongs to ("" when none is configured)."""
    name = route.secrets.get(TWILIO_ACCOUNT_SID_ROLE)
    if name is None:
        return settings.twilio_account_sid
    try:
        return secrets.get(name)
    except NotFound:
        raise ConfigurationError(f"{route.type} {TWILIO_ACCOUNT_SID_ROLE}: secret {name!r} is not set") from None


@dataclass(frozen=True)
class ProviderEndpoint:
    """Where one channel account's API calls go: ``root`` + ApiCall.path, with these credentials."""

    root: str
    headers: dict[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    # Media downloads (media ids resolved against ``media_root``) use the same credentials.
    media_root: str = ""


def provider_endpoint(route: ChannelRoute, settings: Settings, secrets: Secrets) -> ProviderEndpoint:
    channel, account = route.type, route.account
    if channel in ("whatsapp", "messenger", "instagram"):
        base = settings.whatsapp_api_base if channel == "whatsapp" else settings.meta_api_base
        token = read_credential(secrets, channel, "access_token", route)
        return ProviderEndpoint(root=f"{base}/{account}/", headers={"Authorization": f"Bearer {token}"},
                                media_root=f"{base}/")
    if channel == "telegram":
        token = read_credential(secrets, channel, "access_token", route)
        base = settings.telegram_api_base
        return ProviderEndpoint(root=f"{base}/bot{token}/", media_root=f"{base}/file/bot{token}/")
    if channel in ("twilio_sms", "twilio_whatsapp"):
        sid = twilio_account_sid(route, settings, secrets)
        if not sid:
            raise ConfigurationError(f"{channel}: TWILIO_ACCOUNT_SID is not set")
        token = read_credential(secrets, channel, "auth_token", route)
        return ProviderEndpoint(root=f"{settings.twilio_api_base}/2010-04-01/Accounts/{sid}/",
                                basic_auth=(sid, token), media_root=f"{settings.twilio_api_base}/")
    raise ConfigurationError(f"channel {channel!r} has no provider API")
