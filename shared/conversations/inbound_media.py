"""fetch_media's use case: copy a customer's media from the provider into the blob store, then send the
message on to the bot, pointing to the stored copy (payload["media"]["blob"]).

Provider media links expire (WhatsApp's within minutes, Twilio's and Telegram's later), and agents
and retention need our own copy. What is kept of each kind of message is decided here and checked
while downloading (the download itself is an adapter: shared/ports/media_download.py); a file refused
for good (too large, a type we do not keep, gone at the provider, a URL that may never be fetched)
still lets the message through with payload["media"]["error"] naming why, so the customer is answered
and the conversation's ordered queue moves on. Provider hiccups raise TransientError and are retried.
"""

from __future__ import annotations

from typing import Any

from shared.conversations.store_names import media_blob_prefix
from shared.events import topics
from shared.messages.wire import InboundMessage
from shared.ports.context import MediaPorts
from shared.ports.media_download import MediaDownloader, MediaLimit, MediaRefused

MB = 1024 * 1024

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


def media_blob_key(message: InboundMessage) -> str:
    return media_blob_prefix(message.workspace_id, message.conversation_id) + message.message_id


def fetch_message_media(ports: MediaPorts, downloader: MediaDownloader, message: InboundMessage) -> InboundMessage:
    """The message with its media stored (or the reason it was not); raises TransientError to retry."""
    media: dict[str, Any] = dict(message.payload.get("media") or {})
    limit = MEDIA_LIMITS.get(message.kind, MEDIA_LIMITS["document"])
    try:
        downloaded = downloader.download(message.channel, message.account, media, limit)
    except MediaRefused as exc:
        media["error"] = str(exc)
    else:
        key = media_blob_key(message)
        ports.blobs.put(key, downloaded.content, downloaded.content_type)
        media.update({"blob": key, "mime_type": downloaded.content_type, "size": len(downloaded.content)})
        if message.kind == "contacts" and not message.payload.get("contacts"):
            from shared.channels.twilio import contacts_from_vcard

            contacts = contacts_from_vcard(downloaded.content.decode("utf-8", "replace"))
            payload = {**message.payload, "contacts": contacts}
            return InboundMessage.from_dict({**message.to_dict(), "payload": {**payload, "media": media}})
    return InboundMessage.from_dict({**message.to_dict(), "payload": {**message.payload, "media": media}})


def forward_with_media(ports: MediaPorts, downloader: MediaDownloader, message: InboundMessage) -> InboundMessage:
    stored = fetch_message_media(ports, downloader, message)
    ports.bus.publish(topics.INBOUND, stored.to_json(), ordering_key=stored.conversation_id)
    return stored
