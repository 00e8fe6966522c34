"""Webhook bodies as Meta sends them for Messenger (``"object": "page"``) and Instagram
(``"object": "instagram"``), and their signature.

Each event builder returns one ``messaging`` item; ``webhook`` wraps items into a request body
(one entry per account, in order). Timestamps are epoch milliseconds, as Meta sends them.

    body = webhook(MESSENGER, text(PAGE, PSID, "hola"), read_watermark(PAGE, PSID, TS))
    raw, headers = signed(body, APP_SECRET)
"""

from __future__ import annotations

import json
from typing import Any

from shared.channels.meta_messaging import INSTAGRAM, MESSENGER
from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature

TS = 1_700_000_000_000  # 2023-11-14T22:13:20+00:00, in milliseconds
_OBJECTS = {MESSENGER: "page", INSTAGRAM: "instagram"}


# -- envelopes ---------------------------------------------------------------------------------------

def webhook(channel: str, *items: dict[str, Any], time: int = TS) -> dict[str, Any]:
    """A webhook body: the items grouped into one entry per account (recipient), in order."""
    entries: list[dict[str, Any]] = []
    for item in items:
        account = item["recipient"]["id"] if "is_echo" not in item.get("message", {}) else item["sender"]["id"]
        if not entries or entries[-1]["id"] != account:
            entries.append(entry(account, time=time))
        entries[-1]["messaging"].append(item)
    return {"object": _OBJECTS[channel], "entry": entries}


def entry(account: str, *items: dict[str, Any], time: int = TS) -> dict[str, Any]:
    return {"id": account, "time": time, "messaging": list(items)}


def body_of(channel: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"object": _OBJECTS[channel], "entry": list(entries)}


def changes_entry(account: str, field: str, value: dict[str, Any], time: int = TS) -> dict[str, Any]:
    """The App Dashboard's test form: ``changes: [{"field", "value": <messaging item>}]``."""
    return {"id": account, "time": time, "changes": [{"field": field, "value": value}]}


def signed(body: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw request body and headers Meta would send (X-Hub-Signature-256 over the raw bytes)."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: meta_signature(raw, app_secret)}


def _item(account: str, contact: str, timestamp: int, **event: Any) -> dict[str, Any]:
    return {"sender": {"id": contact}, "recipient": {"id": account}, "timestamp": timestamp, **event}


# -- messages ----------------------------------------------------------------------------------------

def text(account: str, contact: str, body: str, *, mid: str = "m_text1", timestamp: int = TS,
         reply_to: str | None = None, referral: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "text": body}
    if reply_to:
        message["reply_to"] = {"mid": reply_to}
    if referral:
        message["referral"] = referral
    return _item(account, contact, timestamp, message=message)


def quick_reply(account: str, contact: str, title: str, payload: str, *, mid: str = "m_qr1",
                timestamp: int = TS) -> dict[str, Any]:
    return _item(account, contact, timestamp, message={"mid": mid, "text": title, "quick_reply": {"payload": payload}})


def postback(account: str, contact: str, title: str, payload: str, *, mid: str = "m_pb1", timestamp: int = TS,
             referral: dict[str, Any] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"mid": mid, "title": title, "payload": payload}
    if referral:
        event["referral"] = referral
    return _item(account, contact, timestamp, postback=event)


def attachments(account: str, contact: str, *parts: dict[str, Any], mid: str = "m_att1", timestamp: int = TS,
                body: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "attachments": list(parts)}
    if body is not None:
        message["text"] = body
    return _item(account, contact, timestamp, message=message)


def attachment(kind: str, url: str, **payload: Any) -> dict[str, Any]:
    """One attachment: image, audio, video, file, sticker, fallback, share, story_mention, ig_reel..."""
    return {"type": kind, "payload": {"url": url, **payload}}


def media(account: str, contact: str, kind: str, url: str, *, mid: str = "m_media1", timestamp: int = TS,
          **payload: Any) -> dict[str, Any]:
    return attachments(account, contact, attachment(kind, url, **payload), mid=mid, timestamp=timestamp)


def sticker(account: str, contact: str, url: str, sticker_id: int = 369239263222822, *, mid: str = "m_sticker1",
            timestamp: int = TS, transition: bool = False) -> dict[str, Any]:
    """A Messenger sticker; ``transition``: both the new "sticker" and the legacy "image" forms."""
    parts = [attachment("sticker", url, sticker_id=sticker_id)]
    if transition:
        parts.insert(0, attachment("image", url, sticker_id=sticker_id))
    return attachments(account, contact, *parts, mid=mid, timestamp=timestamp)


def legacy_sticker(account: str, contact: str, url: str, sticker_id: int = 369239263222822, *,
                   mid: str = "m_sticker1", timestamp: int = TS) -> dict[str, Any]:
    return attachments(account, contact, attachment("image", url, sticker_id=sticker_id), mid=mid, timestamp=timestamp)


def location(account: str, contact: str, latitude: float, longitude: float, *, title: str = "Pinned Location",
             url: str = "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps",
             mid: str = "m_loc1", timestamp: int = TS) -> dict[str, Any]:
    """Messenger's legacy shared location."""
    part = {"title": title, "url": url, "type": "location",
            "payload": {"coordinates": {"lat": latitude, "long": longitude}}}
    return attachments(account, contact, part, mid=mid, timestamp=timestamp)


def fallback(account: str, contact: str, url: str, *, title: str = "Shared link", mid: str = "m_fb1",
             timestamp: int = TS) -> dict[str, Any]:
    return attachments(account, contact, {"type": "fallback", "title": title, "url": url, "payload": None},
                       mid=mid, timestamp=timestamp)


def story_reply(account: str, contact: str, body: str, story_id: str, story_url: str, *, mid: str = "m_story1",
                timestamp: int = TS) -> dict[str, Any]:
    """Instagram: a reply to one of the account's stories."""
    return _item(account, contact, timestamp, message={
        "mid": mid, "text": body, "reply_to": {"story": {"url": story_url, "id": story_id}}})


def deleted(account: str, contact: str, mid: str, *, timestamp: int = TS) -> dict[str, Any]:
    """Instagram: the customer unsent a message."""
    return _item(account, contact, timestamp, message={"mid": mid, "is_deleted": True})


def unsupported(account: str, contact: str, *, mid: str = "m_unsup1", timestamp: int = TS) -> dict[str, Any]:
    """Instagram: a message type the API does not pass on (gif, some stickers)."""
    return _item(account, contact, timestamp, message={"mid": mid, "is_unsupported": True})


def echo(account: str, contact: str, body: str, *, mid: str = "m_echo1", timestamp: int = TS,
         app_id: int = 1517776481860111) -> dict[str, Any]:
    """Our own message reported back: sender is the account."""
    return {"sender": {"id": account}, "recipient": {"id": contact}, "timestamp": timestamp,
            "message": {"is_echo": True, "app_id": app_id, "mid": mid, "text": body}}


# -- other events ------------------------------------------------------------------------------------

def reaction(account: str, contact: str, reacted_to: str, emoji: str = "\u2764\ufe0f", *, action: str = "react",
             name: str = "love", timestamp: int = TS) -> dict[str, Any]:
    event = {"reaction": name, "emoji": emoji, "action": action, "mid": reacted_to}
    if action == "unreact":
        event = {"action": action, "mid": reacted_to}
    return _item(account, contact, timestamp, reaction=event)


def edit(account: str, contact: str, mid: str, new_text: str, *, num_edit: int = 1,
         timestamp: int = TS) -> dict[str, Any]:
    return _item(account, contact, timestamp, message_edit={"mid": mid, "text": new_text, "num_edit": num_edit})


def ad_referral(*, ad_id: str = "6045246247433", ref: str = "spring-sale", title: str = "Spring sale",
                photo_url: str = "https://scontent.example/ad.jpg", post_id: str = "1234_5678") -> dict[str, Any]:
    return {"ref": ref, "ad_id": ad_id, "source": "ADS", "type": "OPEN_THREAD",
            "ads_context_data": {"ad_title": title, "photo_url": photo_url, "post_id": post_id}}


def shortlink_referral(ref: str = "campaign-42") -> dict[str, Any]:
    return {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}


def referral(account: str, contact: str, referral_data: dict[str, Any], *, timestamp: int = TS) -> dict[str, Any]:
    """An existing thread re-opened from an m.me/ig.me link or an ad (no message)."""
    return _item(account, contact, timestamp, referral=referral_data)


def delivery(account: str, contact: str, mids: list[str] | None, watermark: int = TS) -> dict[str, Any]:
    event: dict[str, Any] = {"watermark": watermark}
    if mids is not None:
        event["mids"] = mids
    return _item(account, contact, watermark, delivery=event)


def read_watermark(account: str, contact: str, watermark: int = TS) -> dict[str, Any]:
    """Messenger: everything sent up to ``watermark`` was read."""
    return _item(account, contact, watermark, read={"watermark": watermark})


def read_mid(account: str, contact: str, mid: str, *, timestamp: int = TS) -> dict[str, Any]:
    """Instagram (messaging_seen): the message ``mid`` was read."""
    return _item(account, contact, timestamp, read={"mid": mid})
