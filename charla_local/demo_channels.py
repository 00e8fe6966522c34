"""Provider channels of the local stack: with a channel's variables set (README, "Channels"), `make run`
connects a demo account of that kind to the demo workspace's bot. Credentials are read from the same
variables through the secrets port (WHATSAPP_ACCESS_TOKEN is secret whatsapp-access-token)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared.channels.media_hosts import origin
from shared.channels.providers import PROVIDERS, api_base_of
from shared.channels.telegram import bot_id_of
from shared.kernel.settings import Settings
from shared.workspaces.directory import ChannelRoute

# Channel → (variable naming the account, variables its webhook and sender also need).
DEMO_CHANNEL_VARIABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "whatsapp": ("WHATSAPP_PHONE_NUMBER_ID", ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET")),
    "messenger": ("MESSENGER_PAGE_ID", ("MESSENGER_PAGE_TOKEN", "META_APP_SECRET")),
    "instagram": ("INSTAGRAM_ACCOUNT_ID", ("INSTAGRAM_TOKEN", "META_APP_SECRET")),
    "telegram": ("TELEGRAM_BOT_TOKEN", ("TELEGRAM_SECRET_TOKEN",)),
    "twilio_sms": ("TWILIO_NUMBER", ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")),
    "twilio_whatsapp": ("TWILIO_NUMBER", ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")),
}


def demo_channel_routes(environ: Mapping[str, str], workspace_id: str, bot_id: str
                        ) -> tuple[list[ChannelRoute], list[str]]:
    """The routes to connect, and a note for each channel left out because a variable is missing."""
    routes, skipped = [], []
    for channel, (account_variable, needed) in DEMO_CHANNEL_VARIABLES.items():
        account = environ.get(account_variable, "").strip()
        if not account:
            continue
        missing = [v for v in needed if not environ.get(v)]
        if missing:
            skipped.append(f"{channel}: {account_variable} is set but {', '.join(missing)} is not")
            continue
        if channel == "telegram":
            account = bot_id_of(account)
        routes.append(ChannelRoute(type=channel, account=account, workspace_id=workspace_id, bot_id=bot_id))
    return routes, skipped


def with_simulator_media_hosts(settings: Settings) -> Settings:
    """The settings with every provider API base pointed away from its default (a local simulator)
    allowed for media downloads too: the local stack serves customers' files from the simulators that
    stand in for the providers (plain http on loopback), which the cloud never allows."""
    simulators = []
    for provider in PROVIDERS:
        base = api_base_of(provider, settings)
        if base != provider.api_base.default:
            _, host, port = origin(base)
            simulators.append(f"{host}:{port}")
    hosts = tuple(dict.fromkeys((*settings.media_local_hosts, *simulators)))
    return dataclasses.replace(settings, media_local_hosts=hosts)
