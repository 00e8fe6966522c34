"""Messenger and Instagram "message" items (text, quick replies, attachments, story replies, unsends)
→ ProviderEvents, and the pieces every messaging item shares: its origin and its referral."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.channels.provider_events import ProviderEvent

_MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "document", "sticker": "sticker"}


@dataclass(frozen=True)
class _Origin:
    """Who, where and when of one messaging item: every event it yields shares them."""

    channel: str
    account: str
    contact: str
    timestamp: str  # the raw timestamp as text, part of generated provider ids
    occurred_at: str

    def event(self, provider_message_id: str, kind: str, text: str = "",
              payload: dict[str, Any] | None = None) -> ProviderEvent:
        return ProviderEvent(account=self.account, contact=self.contact, provider_message_id=provider_message_id,
                             kind=kind, text=text, occurred_at=self.occurred_at, payload=payload or {},
                             channel=self.channel)

    def generated_id(self, what: str) -> str:
        """An id for events Meta gives none: stable across redeliveries of the same webhook."""
        return f"{what}:{self.contact}:{self.timestamp}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# -- messages ----------------------------------------------------------------------------------------

def _message_events(origin: _Origin, message: dict[str, Any], item_referral: Any) -> list[ProviderEvent]:
    mid = _text(message.get("mid")) or origin.generated_id("message")
    text = _text(message.get("text"))
    if message.get("is_deleted"):
        return [origin.event(f"{mid}:deleted", "unsupported",
                             payload={"raw_type": "deleted", "deleted_message_id": mid})]
    common = _message_context(message, item_referral)
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict):
        button_id = _text(quick_reply.get("payload")) or text
        return [origin.event(mid, "button", text,
                             {"id": button_id, "title": text, "source": "quick_reply", **common})]
    if "attachments" in message and not isinstance(message["attachments"], list | None):
        # Signed by Meta but not its documented shape: recorded, never guessed at.
        return [origin.event(mid, "unsupported", text, {"raw_type": "attachments", **common})]
    attachments = [a for a in _list(message.get("attachments")) if isinstance(a, dict)]
    if attachments:
        events = []
        for n, (kind, part_text, payload) in enumerate(_attachment_parts(_without_sticker_duplicates(attachments))):
            caption = (text or part_text) if n == 0 else part_text  # the message text goes with the first
            events.append(origin.event(mid if n == 0 else f"{mid}:{n + 1}", kind, caption, {**payload, **common}))
        return events
    if message.get("is_unsupported"):
        return [origin.event(mid, "unsupported", text, {"raw_type": "unsupported", **common})]
    if text:
        return [origin.event(mid, "text", text, common)]
    return [origin.event(mid, "unsupported", payload={"raw_type": "message", **common})]


def _message_context(message: dict[str, Any], item_referral: Any) -> dict[str, Any]:
    """What any message kind may also carry: the quoted message (or story) and an ad referral."""
    context: dict[str, Any] = {}
    reply_to = message.get("reply_to")
    if isinstance(reply_to, dict):
        story = reply_to.get("story")
        if isinstance(story, dict):
            context["reply_to"] = _text(story.get("id"))
            if _text(story.get("url")):
                context["story_url"] = story["url"]
        elif _text(reply_to.get("mid")):
            context["reply_to"] = reply_to["mid"]
    referral = message.get("referral", item_referral)
    if isinstance(referral, dict):
        context["referral"] = _referral(referral)
    return context


def _without_sticker_duplicates(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Until Meta's sticker transition ends, one sticker arrives both as "sticker" and as an "image"
    # carrying sticker_id: keep one.
    if not any(a.get("type") == "sticker" for a in attachments):
        return attachments
    return [a for a in attachments if not (a.get("type") == "image" and _sticker_id(a))]


def _sticker_id(attachment: dict[str, Any]) -> Any:
    payload = attachment.get("payload")
    return payload.get("sticker_id") if isinstance(payload, dict) else None


def _attachment_parts(attachments: list[dict[str, Any]]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(kind, text, payload) of each attachment."""
    for attachment in attachments:
        raw_type = _text(attachment.get("type")) or "attachment"
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        url = _text(payload.get("url")) or _text(attachment.get("url")) or _text(attachment.get("URL"))
        kind = _MEDIA_TYPES.get(raw_type)
        if kind == "image" and _sticker_id(attachment):
            kind = "sticker"  # Messenger before the sticker type: an image with a sticker_id
        if kind and url:
            yield kind, "", {"media": {"url": url}}
        elif raw_type == "location" and (place := _location(attachment, payload.get("coordinates"))):
            yield "location", "", place
        else:
            yield "unsupported", url or _text(attachment.get("title")), {"raw_type": raw_type}


def _location(attachment: dict[str, Any], coordinates: Any) -> dict[str, Any] | None:
    try:
        latitude, longitude = float(coordinates["lat"]), float(coordinates["long"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # also refuses NaN
        return None
    return {"latitude": latitude, "longitude": longitude, "name": _text(attachment.get("title")), "address": "",
            "url": _text(attachment.get("url"))}


def _referral(referral: dict[str, Any]) -> dict[str, Any]:
    """Meta's referral (ad, m.me/ig.me link, chat plugin) in the contract's referral vocabulary."""
    ads = referral.get("ads_context_data") if isinstance(referral.get("ads_context_data"), dict) else {}
    fields = {
        "source_type": referral.get("source"), "source_id": referral.get("ad_id"), "ref": referral.get("ref"),
        "type": referral.get("type"), "source_url": referral.get("referer_uri"), "headline": ads.get("ad_title"),
        "image_url": ads.get("photo_url"), "video_url": ads.get("video_url"), "post_id": ads.get("post_id"),
        "product_id": ads.get("product_id"),
    }
    return {key: str(value) for key, value in fields.items() if value not in (None, "")}
