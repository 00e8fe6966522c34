"""Where a customer's media may be downloaded from, per provider (its descriptor names the hosts), and
which of those hosts may see the account's credentials: the one home of the media allow-list rules (read
by the download adapter, shared/adapters/http/media_download.py, and tests). The rules only: the adapter
resolves the host.

A media URL comes from a webhook payload or a provider's API answer, so it is never trusted as it is:
it must be https on one of its provider's documented media hosts, every address its host resolves
to must be public (never loopback, private, link-local, multicast, reserved or cloud metadata), and
the same holds after every redirect. Credentials go only to the provider's own API hosts (and the
configured API base), never to a CDN or a redirect target elsewhere.

Local simulators (the local stack, tests) are allowed through configuration only: Settings.
media_local_hosts lists ``host:port`` origins that may be plain http on any address;
Settings.media_extra_hosts adds https hosts (a provider's new CDN) under the same address rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.channels.provider import ProviderMediaHosts
from shared.channels.providers import PROVIDERS
from shared.kernel.settings import Settings

# Channel → its provider's media hosts (each provider's descriptor names them).
MEDIA_HOSTS: dict[str, ProviderMediaHosts] = {
    channel: provider.media_hosts for provider in PROVIDERS for channel in provider.channels}
# Names that reach the cloud's metadata server whatever their addresses look like.
METADATA_HOSTS = ("metadata.google.internal", "metadata", "metadata.goog")


class MediaHostRefused(Exception):
    """This URL may never be downloaded (the reason names the rule, not the address)."""


@dataclass(frozen=True)
class MediaTarget:
    """A media URL that passed the checks, and the one address it is fetched from."""

    url: str
    host: str
    port: int
    addresses: tuple[str, ...]  # resolved once, checked, and connected to (no second lookup to rebind)
    credentials: bool  # whether the account's credentials may go with the request


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL; ("", "", 0) for one that cannot be read."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return "", "", 0
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _matches(host: str, patterns: tuple[str, ...]) -> bool:
    return any(host.endswith(p[1:]) if p.startswith("*.") else host == p for p in patterns)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback
                                 or ip.is_private or ip.is_unspecified)


# Every address a host resolves to (raises OSError when it resolves to none): DNS, given by the adapter.
Resolver = Callable[[str, int], Sequence[str]]


def check_media_url(channel: str, url: str, settings: Settings, api_origin: tuple[str, str, int] | None,
                    resolve: Resolver) -> MediaTarget:
    """The checked target of a download, or MediaHostRefused; OSError when the host does not resolve.

    ``api_origin``: the origin of the account's API (its configured base) when the request would carry
    the account's credentials; None when it carries none. The host is resolved (``resolve``) only once
    its name passed, and each of its addresses is checked.
    """
    scheme, host, port = origin(url)
    if scheme not in ("http", "https") or not host:
        raise MediaHostRefused("the media URL is not an http(s) URL")
    local = f"{host}:{port}" in settings.media_local_hosts
    provider = MEDIA_HOSTS.get(channel)
    if not local:
        if scheme != "https":
            raise MediaHostRefused(f"media is only downloaded over https, not from {host}")
        if host in METADATA_HOSTS or provider is None or not (
                _matches(host, provider.media) or _matches(host, settings.media_extra_hosts)):
            raise MediaHostRefused(f"{host} is not one of {channel}'s media hosts")
    addresses = resolve(host, port)
    if not local and not all(_is_public(a) for a in addresses):
        raise MediaHostRefused(f"{host} resolves to an address that is not public")
    own_host = api_origin is not None and ((scheme, host, port) == api_origin or (
        scheme == "https" and provider is not None and _matches(host, provider.credentials)))
    return MediaTarget(url=url, host=host, port=port, addresses=tuple(addresses), credentials=own_host)
