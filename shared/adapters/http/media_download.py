"""The media download adapter: fetch a customer's file from its provider over HTTP, safely.

Every hop of a download, redirects included, is checked against the provider's media hosts and the
addresses its host resolves to (the rules: shared/channels/media_hosts.py), and is connected to the
address that was checked, so a second DNS answer cannot rebind it; credentials go only to the
provider's own API host. Size and type are checked while the file streams in.

What to fetch and where the copy goes is the use case's (shared/conversations/inbound_media.py).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from shared.adapters.http.provider_client import EndpointOf
from shared.channels.credentials import ProviderEndpoint
from shared.channels.media_hosts import MediaHostRefused, MediaTarget, check_media_url, origin
from shared.channels.provider import MediaLookup
from shared.channels.providers import provider_of
from shared.kernel.errors import ConfigurationError, TransientError
from shared.kernel.settings import Settings
from shared.messages.media_types import type_is_accepted
from shared.ports.media_download import DownloadedMedia, MediaLimit, MediaRefused

# Twilio's media URL redirects once to its CDN; more than this many hops is no provider's doing.
MAX_REDIRECTS = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (raises OSError when it resolves to none)."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


class HttpMediaDownloader:
    """The MediaDownloader of the provider APIs (shared/ports/media_download.py)."""

    def __init__(self, *, http: httpx.Client, endpoint_of: EndpointOf, settings: Settings) -> None:
        self._http = http
        self._endpoint_of = endpoint_of
        self._settings = settings

    def download(self, channel: str, account: str, media: Mapping[str, Any], limit: MediaLimit) -> DownloadedMedia:
        try:
            endpoint = self._endpoint_of(channel, account)
        except ConfigurationError as exc:
            # A missing token is fixed by configuring it: retry, and dead-letter if it never comes.
            raise TransientError(str(exc)) from None
        content, content_type = _download(channel, dict(media), endpoint, self._http, limit, self._settings)
        return DownloadedMedia(content, content_type)


def _download(channel: str, media: dict[str, Any], endpoint: ProviderEndpoint, http: httpx.Client,
              limit: MediaLimit, settings: Settings) -> tuple[bytes, str]:
    url, wants_credentials = _media_url(channel, media, endpoint, http)
    api_origin = origin(endpoint.media_root)
    for _hop in range(MAX_REDIRECTS + 1):
        target = _checked(channel, url, settings, api_origin if wants_credentials else None)
        headers = endpoint.headers if target.credentials else {}
        auth = endpoint.basic_auth if target.credentials else None
        try:
            response = _send(http, target, headers, auth)
        except httpx.TransportError as exc:
            raise TransientError(f"{channel} media download failed: {type(exc).__name__}") from None
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                try:
                    next_url = urljoin(url, location)
                except ValueError:
                    raise MediaRefused("the download redirected to an invalid URL") from None
                # Credentials never follow a redirect to another origin.
                wants_credentials = wants_credentials and origin(next_url) == origin(url)
                url = next_url
                continue
            return _read(response, media, limit)
        except httpx.TransportError as exc:
            raise TransientError(f"{channel} media download failed: {type(exc).__name__}") from None
        finally:
            response.close()
    raise MediaRefused(f"more than {MAX_REDIRECTS} redirects")


def _checked(channel: str, url: str, settings: Settings, api_origin: tuple[str, str, int] | None) -> MediaTarget:
    try:
        return check_media_url(channel, url, settings, api_origin, resolve_host)
    except MediaHostRefused as exc:
        raise MediaRefused(str(exc)) from None
    except OSError:
        raise TransientError(f"{channel} media host did not resolve") from None


def _send(http: httpx.Client, target: MediaTarget, headers: dict[str, str], auth: tuple[str, str] | None
          ) -> httpx.Response:
    """The streamed answer from the first checked address that connects (as a browser tries each)."""
    refused: httpx.ConnectError | None = None
    for address in target.addresses:
        url, host_header, extensions = _pinned(target, address)
        request = http.build_request("GET", url, headers={**headers, "Host": host_header}, extensions=extensions)
        try:
            return http.send(request, auth=auth, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            refused = exc
    raise refused or httpx.ConnectError("the host resolved to no address")


def _pinned(target: MediaTarget, address: str) -> tuple[str, str, dict[str, Any]]:
    """The URL that connects to one checked address (never a second DNS answer), the Host header it
    needs, and the TLS server name that keeps the certificate checked against the host's name."""
    parts = urlsplit(target.url)
    netloc = f"[{address}]" if ":" in address else address
    default_port = 443 if parts.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    url = urlunsplit(parts._replace(netloc=f"{netloc}:{target.port}"))
    return url, host_header, ({"sni_hostname": target.host} if parts.scheme == "https" else {})


def _read(response: httpx.Response, media: dict[str, Any], limit: MediaLimit) -> tuple[bytes, str]:
    _raise_for_status(response, "download")
    if not 200 <= response.status_code < 300:  # a redirect without a Location, 1xx/3xx oddities
        raise MediaRefused(f"download answered HTTP {response.status_code}")
    content_type = (media.get("mime_type") or response.headers.get("content-type")
                    or "application/octet-stream").split(";")[0].strip().lower()
    if not type_is_accepted(content_type, limit.types):
        raise MediaRefused(f"type {content_type} is not kept for this kind of message")
    declared = response.headers.get("content-length") or "0"
    if declared.isdigit() and int(declared) > limit.max_bytes:
        raise MediaRefused(f"{declared} bytes, more than the {limit.max_bytes} kept")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit.max_bytes:
            raise MediaRefused(f"more than the {limit.max_bytes} bytes kept")
        chunks.append(chunk)
    return b"".join(chunks), content_type


def _media_url(channel: str, media: dict[str, Any], endpoint: ProviderEndpoint, http: httpx.Client
               ) -> tuple[str, bool]:
    """Where the file is, and whether that URL needs the account's credentials: the provider's media
    source (its descriptor's) names it, or names the API call that answers it."""
    source = provider_of(channel).media_source(media, endpoint)
    if source is None:
        raise MediaRefused("the message names no media id or url")
    if isinstance(source, MediaLookup):
        located = source.located(_get_json(http, source.url, endpoint, source.what, source.params))
        if located is None:
            raise MediaRefused(source.missing)
        source = located
    return source.url, source.credentials


def _get_json(http: httpx.Client, url: str, endpoint: ProviderEndpoint, what: str,
              params: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        response = http.get(url, headers=endpoint.headers, auth=endpoint.basic_auth, params=params)
    except httpx.TransportError as exc:
        raise TransientError(f"{what} failed: {type(exc).__name__}") from None
    _raise_for_status(response, what)
    try:
        answer = response.json()
    except ValueError:
        raise MediaRefused(f"{what} did not answer JSON") from None
    if not isinstance(answer, dict):
        raise MediaRefused(f"{what} did not answer a JSON object")
    return answer


def _raise_for_status(response: httpx.Response, what: str) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"{what} answered HTTP {response.status_code}")
    if response.status_code >= 400:
        raise MediaRefused(f"{what} answered HTTP {response.status_code}")
