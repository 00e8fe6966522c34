"""fetch_media's use case: copy a customer's media from the provider into the blob store, then send the
message on to the bot, pointing to the stored copy (payload["media"]["blob"]).

Provider media links expire (WhatsApp's within minutes, Twilio's and Telegram's later), and agents
and retention need our own copy. Size and type are checked while downloading; a file refused for
good (too large, a type we do not keep, gone at the provider, a URL that may never be fetched) still
lets the message through with payload["media"]["error"] naming why, so the customer is answered and
the conversation's ordered queue moves on. Provider hiccups are retried.

Every hop of a download, redirects included, is checked against the provider's media hosts and the
addresses its host resolves to, and is connected to the address that was checked
(shared/channels/media_hosts.py); credentials go only to the provider's own API host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx

from shared.bootstrap import Platform
from shared.channels.credentials import ProviderEndpoint, provider_endpoint
from shared.channels.media_hosts import MediaHostRefused, MediaTarget, check_media_url, origin
from shared.conversations.store_names import media_blob_prefix
from shared.events import topics
from shared.kernel.errors import ConfigurationError, TransientError
from shared.kernel.settings import Settings
from shared.messages.media_types import type_is_accepted
from shared.messages.wire import InboundMessage

MB = 1024 * 1024
# Twilio's media URL redirects once to its CDN; more than this many hops is no provider's doing.
MAX_REDIRECTS = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class MediaLimit:
    max_bytes: int
    types: tuple[str, ...]  # accepted MIME types; "image/*" accepts the family


DOCUMENT_TYPES = (
    "application/pdf", "text/plain", "text/csv", "application/msword", "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*", "application/zip", "image/*", "audio/*", "video/*",
)
# What we keep of each kind (within the providers' own inbound limits: WhatsApp 5 MB images,
# 16 MB audio and video, 100 MB documents; Messenger 25 MB; Telegram bots download up to 20 MB).
MEDIA_LIMITS: dict[str, MediaLimit] = {
    "image": MediaLimit(10 * MB, ("image/*",)),
    "sticker": MediaLimit(1 * MB, ("image/webp", "image/png", "image/gif", "application/x-tgsticker",
                                   "video/webm")),
    "audio": MediaLimit(16 * MB, ("audio/*",)),
    "voice": MediaLimit(16 * MB, ("audio/*",)),
    "video": MediaLimit(25 * MB, ("video/*",)),
    "document": MediaLimit(25 * MB, DOCUMENT_TYPES),
    # Shared contacts that arrive as a vCard file (Twilio WhatsApp) are read into payload["contacts"].
    "contacts": MediaLimit(1 * MB, ("text/vcard", "text/x-vcard", "text/directory")),
}


class MediaRefused(Exception):
    """This file will never be stored; the reason is recorded on the message."""


def media_blob_key(message: InboundMessage) -> str:
    return media_blob_prefix(message.workspace_id, message.conversation_id) + message.message_id


def fetch_message_media(platform: Platform, http: httpx.Client, message: InboundMessage) -> InboundMessage:
    """The message with its media stored (or the reason it was not); raises TransientError to retry."""
    media: dict[str, Any] = dict(message.payload.get("media") or {})
    limit = MEDIA_LIMITS.get(message.kind, MEDIA_LIMITS["document"])
    try:
        route = platform.directory.channel(message.channel, message.account)
        endpoint = provider_endpoint(route, platform.settings, platform.secrets)
    except ConfigurationError as exc:
        raise TransientError(str(exc)) from None
    try:
        content, content_type = _download(message.channel, media, endpoint, http, limit, platform.settings)
    except MediaRefused as exc:
        media["error"] = str(exc)
    else:
        key = media_blob_key(message)
        platform.blobs.put(key, content, content_type)
        media.update({"blob": key, "mime_type": content_type, "size": len(content)})
        if message.kind == "contacts" and not message.payload.get("contacts"):
            from shared.channels.twilio import contacts_from_vcard

            payload = {**message.payload, "contacts": contacts_from_vcard(content.decode("utf-8", "replace"))}
            return InboundMessage.from_dict({**message.to_dict(), "payload": {**payload, "media": media}})
    return InboundMessage.from_dict({**message.to_dict(), "payload": {**message.payload, "media": media}})


def forward_with_media(platform: Platform, http: httpx.Client, message: InboundMessage) -> InboundMessage:
    stored = fetch_message_media(platform, http, message)
    platform.bus.publish(topics.INBOUND, stored.to_json(), ordering_key=stored.conversation_id)
    return stored


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
        return check_media_url(channel, url, settings, api_origin)
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
    """Where the file is, and whether that URL needs the account's credentials."""
    if channel == "whatsapp" and media.get("id"):
        # Cloud API: GET /{media id} gives a short-lived URL that also needs the token.
        info = _get_json(http, endpoint.media_root + quote(str(media["id"]), safe=""), endpoint, "media lookup")
        if not isinstance(info.get("url"), str) or not info["url"]:
            raise MediaRefused("the media lookup gave no url")
        return info["url"], True
    if channel == "telegram" and media.get("id"):
        info = _get_json(http, endpoint.root + "getFile", endpoint, "getFile", {"file_id": str(media["id"])})
        result = info.get("result")
        path = result.get("file_path") if isinstance(result, dict) else None
        if not isinstance(path, str) or not path:
            raise MediaRefused("getFile gave no file_path (files over 20 MB cannot be downloaded by bots)")
        return endpoint.media_root + quote(path, safe="/"), False
    if media.get("url"):
        # Twilio media URLs take the account's basic auth; Meta's attachment URLs are signed CDN links.
        return str(media["url"]), channel.startswith("twilio")
    raise MediaRefused("the message names no media id or url")


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
