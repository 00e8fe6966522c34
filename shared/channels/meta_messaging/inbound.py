"""Messenger and Instagram webhook bodies → ProviderEvents: the envelope, and the messaging items
other than messages (postbacks, reactions, edits, reads, deliveries, referrals).

Inbound choices (Meta sends these, the contract has no exact kind for them):
- Timestamps are epoch milliseconds; the App Dashboard's test payloads use seconds (as strings).
  Both are read; anything else leaves occurred_at to the entry's ``time`` or empty.
- An attachment message yields one event per attachment; the first keeps the ``mid`` (and the text
  as caption), the next ones are ``{mid}:2``, ``{mid}:3``...
- Shares, reels, posts, story mentions, templates and link ``fallback`` attachments are
  "unsupported" with the attachment type as raw_type and the shared URL as text (an agent reading
  the history can open it; the bot is not asked to understand a link as words).
- A standalone referral (an existing thread re-opened from an m.me link or an ad) carries no message:
  "unsupported" with raw_type "referral" and payload["referral"]. A referral riding on a message or
  postback (the first message after a click-to-Messenger/Instagram ad) is payload["referral"].
- An Instagram story reply is a message with payload["reply_to"] = the story id and
  payload["story_url"] = the story's CDN URL (it expires with the story).
- An Instagram unsend (``is_deleted``) is "unsupported" raw_type "deleted" with
  payload["deleted_message_id"]; its provider id is ``{mid}:deleted`` so it is not taken for a
  redelivery of the original message.
- Reads/deliveries that only give a watermark (Messenger clients without per-message receipts) are
  one status with refers_to "" and payload["watermark"] (epoch ms): every message we sent to that
  contact up to that instant. Their provider id is ``watermark:{contact}:{watermark}:{status}``.
- Echoes of our own messages are skipped, and so are ``standby`` items (another app of a handover
  protocol holds the thread: we must not answer) and non-messaging ``changes`` (comments, mentions).
- Dashboard-style ``changes: [{"field": "messages"|"messaging_postbacks"|..., "value": <item>}]``
  entries are read like ``messaging`` items.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.channels.meta_messaging.inbound_messages import _list, _message_events, _Origin, _referral, _text
from shared.channels.provider_events import ProviderEvent
from shared.kernel.errors import InvalidInput

MESSENGER = "messenger"
INSTAGRAM = "instagram"
_CHANNEL_BY_OBJECT = {"page": MESSENGER, "instagram": INSTAGRAM}

# Webhook fields whose dashboard/"changes" form carries one messaging item as its value.
_MESSAGING_FIELDS = frozenset({
    "messages", "message", "messaging_postbacks", "message_reactions", "message_reads", "messaging_seen",
    "message_deliveries", "message_edits", "message_echoes", "messaging_referral", "messaging_referrals",
    "messaging_optins", "messaging_handovers",
})
_ENVELOPE_KEYS = ("sender", "recipient", "timestamp")


def channel_of(body: Any) -> str:
    """MESSENGER for ``"object": "page"``, INSTAGRAM for ``"object": "instagram"``."""
    if not isinstance(body, dict):
        raise InvalidInput(f"webhook body: expected a JSON object, got {type(body).__name__}")
    obj = body.get("object")
    if not isinstance(obj, str) or obj not in _CHANNEL_BY_OBJECT:
        raise InvalidInput(f"object: expected 'page' (Messenger) or 'instagram', got {obj!r}")
    return _CHANNEL_BY_OBJECT[obj]


def parse_webhook(body: Any) -> list[ProviderEvent]:
    """Every customer event of a Messenger/Instagram webhook request, in order."""
    channel = channel_of(body)
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise InvalidInput("entry: expected a list")
    events: list[ProviderEvent] = []
    for e, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidInput(f"entry[{e}]: expected an object")
        for i, item in enumerate(_list_field(entry, "messaging", f"entry[{e}]")):
            events.extend(_parse_item(channel, entry, item, f"entry[{e}].messaging[{i}]"))
        for c, change in enumerate(_list_field(entry, "changes", f"entry[{e}]")):
            where = f"entry[{e}].changes[{c}]"
            if not isinstance(change, dict):
                raise InvalidInput(f"{where}: expected an object")
            if _text(change.get("field")) in _MESSAGING_FIELDS and isinstance(change.get("value"), dict):
                events.extend(_parse_item(channel, entry, change["value"], f"{where}.value"))
    return events


def accounts_named(body: Any) -> list[str]:
    """The Page or Instagram account ids a body's entries name, whatever else it holds (never raises):
    the accounts that may vouch for a request that carries no customer event (echoes, standby)."""
    found = []
    entries = body.get("entry") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        account = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(account, int) and not isinstance(account, bool):
            account = str(account)
        if isinstance(account, str) and account and account not in found:
            found.append(account)
    return found


def _list_field(entry: dict[str, Any], name: str, where: str) -> list[Any]:
    value = entry.get(name, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{where}.{name}: expected a list")
    return value


def _parse_item(channel: str, entry: dict[str, Any], item: Any, where: str) -> list[ProviderEvent]:
    if not isinstance(item, dict):
        raise InvalidInput(f"{where}: expected an object")
    message = item.get("message")
    if isinstance(message, dict) and message.get("is_echo"):
        return []  # our own message, reported back
    origin = _Origin(channel=channel, account=_party_id(item, "recipient", where),
                     contact=_party_id(item, "sender", where), timestamp=str(item.get("timestamp", "")),
                     occurred_at=_iso(item.get("timestamp")) or _iso(entry.get("time")))
    if isinstance(message, dict):
        return _message_events(origin, message, item.get("referral"))
    for key, parse in _ITEM_PARSERS:
        if isinstance(item.get(key), dict):
            return parse(origin, item[key])
    raw_type = next((k for k in item if k not in _ENVELOPE_KEYS), "unknown")
    return [origin.event(origin.generated_id(raw_type), "unsupported", payload={"raw_type": raw_type})]


def _party_id(item: dict[str, Any], role: str, where: str) -> str:
    party = item.get(role)
    # The chat plugin identifies people by user_ref instead of a PSID.
    value = party.get("id", party.get("user_ref")) if isinstance(party, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{where}.{role}.id: expected the {role}'s id")
    return value


def _iso(timestamp: Any) -> str:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float | str):
        return ""
    try:
        value = float(timestamp)
    except ValueError:
        return ""
    if value > 1e11:  # milliseconds (Meta's messaging timestamps); seconds would be past year 5000
        value /= 1000
    try:
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


# -- other messaging items ---------------------------------------------------------------------------

def _postback(origin: _Origin, postback: dict[str, Any]) -> list[ProviderEvent]:
    title = _text(postback.get("title"))
    # Apps other than the one that sent the button get the title without the payload.
    payload: dict[str, Any] = {"id": _text(postback.get("payload")) or title, "title": title, "source": "postback"}
    if isinstance(postback.get("referral"), dict):
        payload["referral"] = _referral(postback["referral"])
    mid = _text(postback.get("mid")) or origin.generated_id("postback")
    return [origin.event(mid, "button", title, payload)]


def _reaction(origin: _Origin, reaction: dict[str, Any]) -> list[ProviderEvent]:
    reacted_to = _text(reaction.get("mid"))
    action = _text(reaction.get("action")) or "react"
    emoji = "" if action == "unreact" else _text(reaction.get("emoji"))
    return [origin.event(f"{reacted_to}:{action}:{origin.timestamp}", "reaction",
                         payload={"emoji": emoji, "reacted_to": reacted_to})]


def _edit(origin: _Origin, edit: dict[str, Any]) -> list[ProviderEvent]:
    mid = _text(edit.get("mid"))
    return [origin.event(f"{mid}:edit:{edit.get('num_edit', origin.timestamp)}", "edit", _text(edit.get("text")),
                         {"edited_message_id": mid})]


def _read(origin: _Origin, read: dict[str, Any]) -> list[ProviderEvent]:
    if _text(read.get("mid")):  # Instagram (messaging_seen): the message read
        return [_status(origin, "read", read["mid"])]
    return [_watermark_status(origin, "read", read.get("watermark"))]


def _delivery(origin: _Origin, delivery: dict[str, Any]) -> list[ProviderEvent]:
    mids = [m for m in _list(delivery.get("mids")) if isinstance(m, str) and m]
    if mids:
        return [_status(origin, "delivered", mid) for mid in mids]
    return [_watermark_status(origin, "delivered", delivery.get("watermark"))]


def _status(origin: _Origin, status: str, refers_to: str) -> ProviderEvent:
    return origin.event(f"{refers_to}:{status}", "status", payload={"status": status, "refers_to": refers_to})


def _watermark_status(origin: _Origin, status: str, watermark: Any) -> ProviderEvent:
    if isinstance(watermark, bool) or not isinstance(watermark, int):
        watermark = ""  # not an instant: it marks nothing, and nothing else is kept of it
    return origin.event(f"watermark:{origin.contact}:{watermark}:{status}", "status",
                        payload={"status": status, "refers_to": "", "watermark": watermark})


def _standalone_referral(origin: _Origin, referral: dict[str, Any]) -> list[ProviderEvent]:
    return [origin.event(origin.generated_id("referral"), "unsupported",
                         payload={"raw_type": "referral", "referral": _referral(referral)})]


_ITEM_PARSERS: tuple[tuple[str, Callable[[_Origin, dict[str, Any]], list[ProviderEvent]]], ...] = (
    ("postback", _postback),
    ("reaction", _reaction),
    ("message_edit", _edit),
    ("read", _read),
    ("delivery", _delivery),
    ("referral", _standalone_referral),
)
