"""Provider channels of the local stack: with a channel's variables set (README, "Channels"), `make run`
connects a demo account of that kind to the demo workspace's bot. Credentials are read from the same
variables through the secrets port (WHATSAPP_ACCESS_TOKEN is secret whatsapp-access-token)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared.channels.media_hosts import origin
from shared.channels.providers import PROVIDERS, api_base_of
from shared.kernel.settings import Settings
from shared.workspaces.directory import ChannelRoute


def demo_channel_routes(environ: Mapping[str, str], workspace_id: str, bot_id: str
                        ) -> tuple[list[ChannelRoute], list[str]]:
    """The routes to connect, and a note for each channel left out because a variable is missing. Each
    provider's descriptor names its channels' variables (ProviderDescriptor.demo_accounts)."""
    routes, skipped = [], []
    for provider in PROVIDERS:
        for channel in provider.channels:
            demo = provider.demo_accounts[channel]
            account = environ.get(demo.variable, "").strip()
            if not account:
                continue
            missing = [v for v in demo.needs if not environ.get(v)]
            if missing:
                skipped.append(f"{channel}: {demo.variable} is set but {', '.join(missing)} is not")
                continue
            routes.append(ChannelRoute(type=channel, account=demo.account_of(account), workspace_id=workspace_id,
                                       bot_id=bot_id))
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
