"""Telegram webhook Updates → ProviderEvents (one per Update, or none for updates about no one)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shared.channels.provider_events import ProviderEvent
from shared.kernel.errors import InvalidInput

CHANNEL = "telegram"

# A t.me/<bot>?start=<payload> deep link arrives as "/start <payload>" (core.telegram.org/bots/features#deep-linking)
_START = re.compile(r"^/start(?:@\w+)?\s+(\S+)\s*$")


def parse_update(update: Any, account: str) -> list[ProviderEvent]:
    """Turn one webhook Update into events: one, as an Update carries exactly one thing, or none for
    an update that concerns no chat or user."""
    if not isinstance(update, dict):
        raise InvalidInput("update: expected a JSON object")
    update_id = update.get("update_id")
    if not _is_int(update_id):
        raise InvalidInput("update_id: expected an integer")
    if "message" in update:
        return [_message_event(_message(update["message"], "message"), account)]
    if "edited_message" in update:
        return [_edit_event(_message(update["edited_message"], "edited_message"), account, update_id)]
    if "callback_query" in update:
        return [_callback_event(update["callback_query"], account)]
    if "message_reaction" in update:
        return [_reaction_event(update["message_reaction"], account, update_id)]
    kinds = [key for key in update if key != "update_id"]
    if not kinds:
        raise InvalidInput("update: carries nothing besides update_id")
    return _unsupported_update(kinds[0], update[kinds[0]], account, update_id)


def _message_event(message: dict[str, Any], account: str) -> ProviderEvent:
    kind, text, payload = _content(message)
    if kind == "text":
        start = _START.match(text)
        if start:
            payload["referral"] = {"ref": start.group(1), "source_type": "deep_link"}
    payload.update(_context(message))
    return ProviderEvent(account=account, contact=_chat_id(message), provider_message_id=_message_ref(message),
                         kind=kind, text=text, contact_name=_name(message.get("from") or message["chat"]),
                         occurred_at=_timestamp(message.get("date")), payload=payload)


def _edit_event(message: dict[str, Any], account: str, update_id: int) -> ProviderEvent:
    # Live locations move by edits too: those arrive here as edits with no text.
    _, text, _ = _content(message)
    stamp = message.get("edit_date") if _is_int(message.get("edit_date")) else f"update{update_id}"
    return ProviderEvent(account=account, contact=_chat_id(message),
                         provider_message_id=f"{_message_ref(message)}:edit:{stamp}", kind="edit", text=text,
                         contact_name=_name(message.get("from") or message["chat"]),
                         occurred_at=_timestamp(message.get("edit_date") or message.get("date")),
                         payload={"edited_message_id": _message_ref(message)})


def _callback_event(query: Any, account: str) -> ProviderEvent:
    if not isinstance(query, dict) or not isinstance(query.get("id"), str) or not query["id"]:
        raise InvalidInput("callback_query.id: expected a string")
    sender = query.get("from") if isinstance(query.get("from"), dict) else {}
    message = query.get("message") if isinstance(query.get("message"), dict) else None
    chat = message.get("chat") if message else None
    # A query from an inline-mode message has no chat; in private chats the chat id is the user id.
    contact = str(chat["id"]) if isinstance(chat, dict) and _is_int(chat.get("id")) else str(sender.get("id", ""))
    base = {"account": account, "contact": contact, "provider_message_id": f"callback:{query['id']}",
            "contact_name": _name(sender)}  # a CallbackQuery carries no date
    data = query.get("data")
    if not isinstance(data, str) or not data:
        return ProviderEvent(**base, kind="unsupported", payload={"raw_type": "callback_query"})
    title = _button_label(message, data) or data
    return ProviderEvent(**base, kind="button", text=title,
                         payload={"id": data, "title": title, "source": "callback_query"})


def _reaction_event(reaction: Any, account: str, update_id: int) -> ProviderEvent:
    if not isinstance(reaction, dict):
        raise InvalidInput("message_reaction: expected an object")
    chat = reaction.get("chat")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        raise InvalidInput("message_reaction.chat.id: expected an integer")
    if not _is_int(reaction.get("message_id")):
        raise InvalidInput("message_reaction.message_id: expected an integer")
    actor = reaction.get("user") or reaction.get("actor_chat") or chat
    return ProviderEvent(account=account, contact=str(chat["id"]), provider_message_id=f"update:{update_id}",
                         kind="reaction", contact_name=_name(actor), occurred_at=_timestamp(reaction.get("date")),
                         payload={"emoji": _reaction_emoji(reaction.get("old_reaction"), reaction.get("new_reaction")),
                                  "reacted_to": f"{chat['id']}:{reaction['message_id']}"})


def _reaction_emoji(old: Any, new: Any) -> str:
    """The reaction now set, preferring one just added ("" when all were removed).

    A user may keep several reactions; custom emoji and paid (star) reactions have no Unicode form,
    so they are named "custom_emoji:<id>" and "paid".
    """
    def names(reactions: Any) -> list[str]:
        found = []
        for item in reactions if isinstance(reactions, list) else []:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "emoji" and item.get("emoji"):
                found.append(str(item["emoji"]))
            elif item.get("type") == "custom_emoji":
                found.append(f"custom_emoji:{item.get('custom_emoji_id', '')}")
            elif item.get("type") == "paid":
                found.append("paid")
        return found

    now, before = names(new), set(names(old))
    added = [name for name in now if name not in before]
    return (added or now or [""])[0]


def _unsupported_update(raw_type: str, body: Any, account: str, update_id: int) -> list[ProviderEvent]:
    """An update type we do not handle, recorded against its chat or user. Updates about no one (a
    poll's new vote counts) yield nothing: there is no conversation to record them in."""
    body = body if isinstance(body, dict) else {}
    chat = body.get("chat") if isinstance(body.get("chat"), dict) else {}
    person = body.get("from") or body.get("user") or chat
    person = person if isinstance(person, dict) else {}
    contact = chat.get("id", person.get("id"))
    if not _is_int(contact):
        return []
    return [ProviderEvent(account=account, contact=str(contact), provider_message_id=f"update:{update_id}",
                          kind="unsupported", contact_name=_name(person),
                          occurred_at=_timestamp(body.get("date")), payload={"raw_type": raw_type})]


# Message fields that describe a message rather than being its content (used to name unknown content).
_MESSAGE_METADATA = frozenset({
    "message_id", "message_thread_id", "from", "sender_chat", "sender_boost_count", "sender_business_bot",
    "date", "business_connection_id", "chat", "forward_origin", "forward_from", "forward_from_chat",
    "forward_from_message_id", "forward_signature", "forward_sender_name", "forward_date", "is_topic_message",
    "is_automatic_forward", "reply_to_message", "external_reply", "quote", "reply_to_story", "via_bot",
    "edit_date", "has_protected_content", "is_from_offline", "media_group_id", "author_signature",
    "entities", "caption_entities", "link_preview_options", "effect_id", "show_caption_above_media",
    "has_media_spoiler", "reply_markup", "caption",
})


def _content(message: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(kind, text, payload) of a message's content; content that is not of its documented shape is
    recorded as "unsupported", naming the field (the update itself was well-formed and signed)."""
    try:
        return _readable_content(message)
    except _OddContent as odd:
        return "unsupported", "", {"raw_type": odd.field}


class _OddContent(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _readable_content(message: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    caption = message.get("caption") if isinstance(message.get("caption"), str) else ""
    if isinstance(message.get("text"), str):
        return "text", message["text"], {}
    if isinstance(message.get("photo"), list) and message["photo"]:
        return "image", caption, {"media": _media(_largest(message["photo"]), "image/jpeg", "photo")}
    # An animation also fills "document" for old clients, so it is looked at first. Animations are
    # GIFs or silent MPEG-4 clips that Telegram serves as MP4: they are videos to us.
    for field, kind in (("animation", "video"), ("video", "video"), ("video_note", "video"), ("voice", "voice"),
                        ("audio", "audio"), ("document", "document"), ("sticker", "sticker")):
        if isinstance(message.get(field), dict):
            file = message[field]
            default_mime = _sticker_mime(file) if field == "sticker" else _DEFAULT_MIME.get(field, "")
            return kind, caption, {"media": _media(file, default_mime, field)}
    # A venue also fills "location" for old clients, so it is looked at first.
    if isinstance(message.get("venue"), dict):
        return "location", "", _venue(message["venue"])
    if isinstance(message.get("location"), dict):
        return "location", "", _location(message["location"])
    if isinstance(message.get("contact"), dict):
        return "contacts", "", {"contacts": [_shared_contact(message["contact"])]}
    raw_type = next((key for key in message if key not in _MESSAGE_METADATA), "message")
    return "unsupported", caption, {"raw_type": raw_type}


# Telegram gives no mime_type for these: round video notes are MPEG-4, animations are served as MP4
# (photos, always re-encoded as JPEG, are handled with them).
_DEFAULT_MIME = {"video_note": "video/mp4", "animation": "video/mp4"}


def _media(file: dict[str, Any], default_mime: str, field: str) -> dict[str, Any]:
    if not isinstance(file.get("file_id"), str) or not file["file_id"]:
        raise _OddContent(field)
    media: dict[str, Any] = {"id": file["file_id"]}
    mime = file.get("mime_type") if isinstance(file.get("mime_type"), str) and file["mime_type"] else default_mime
    if mime:
        media["mime_type"] = mime
    if isinstance(file.get("file_name"), str) and file["file_name"]:
        media["filename"] = file["file_name"]
    if _is_int(file.get("file_size")):
        media["size"] = file["file_size"]
    return media


def _sticker_mime(sticker: dict[str, Any]) -> str:
    # Stickers are .WEBP, animated ones .TGS (gzipped Lottie), video ones .WEBM (bots/stickers docs).
    if sticker.get("is_animated"):
        return "application/x-tgsticker"
    return "video/webm" if sticker.get("is_video") else "image/webp"


def _largest(sizes: list[Any]) -> dict[str, Any]:
    photos = [p for p in sizes if isinstance(p, dict)]
    if not photos:
        raise _OddContent("photo")

    def number(photo: dict[str, Any], key: str) -> int:
        return photo[key] if _is_int(photo.get(key)) else 0

    return max(photos, key=lambda p: (number(p, "width") * number(p, "height"), number(p, "file_size")))


def _location(location: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)):
        raise _OddContent("location")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # also refuses NaN
        raise _OddContent("location")
    return {"latitude": float(latitude), "longitude": float(longitude)}


def _venue(venue: dict[str, Any]) -> dict[str, Any]:
    place = _location(venue.get("location") if isinstance(venue.get("location"), dict) else {})
    for key, field in (("name", "title"), ("address", "address")):
        if venue.get(field):
            place[key] = str(venue[field])
    return place


def _shared_contact(contact: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(str(contact[k]) for k in ("first_name", "last_name") if contact.get(k))
    phones = [str(contact["phone_number"])] if contact.get("phone_number") else []
    # The optional vCard is where an e-mail address travels (EMAIL;TYPE=INTERNET:ana@example.com).
    vcard = contact.get("vcard") if isinstance(contact.get("vcard"), str) else ""
    emails = [line.split(":", 1)[1].strip() for line in vcard.splitlines()
              if line.upper().startswith("EMAIL") and ":" in line]
    return {"name": name, "phones": phones, "emails": [e for e in emails if e]}


def _context(message: dict[str, Any]) -> dict[str, Any]:
    """reply_to / forwarded, which any kind of message may carry."""
    found: dict[str, Any] = {}
    quoted = message.get("reply_to_message")
    # In forum topics every message "replies" to the topic's creation message; that is no quote.
    if isinstance(quoted, dict) and _is_int(quoted.get("message_id")) and "forum_topic_created" not in quoted:
        found["reply_to"] = f"{_chat_id(message)}:{quoted['message_id']}"
    if any(key in message for key in ("forward_origin", "forward_date", "forward_from", "forward_from_chat")):
        found["forwarded"] = True
    return found


def _button_label(message: dict[str, Any] | None, data: str) -> str:
    """The label of the inline button that sent ``data``, from the keyboard the query came from."""
    markup = (message or {}).get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data and button.get("text"):
                return str(button["text"])
    return ""


def _message(body: Any, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput(f"{where}: expected an object")
    chat = body.get("chat")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")):
        raise InvalidInput(f"{where}.chat.id: expected an integer")
    if not _is_int(body.get("message_id")):
        raise InvalidInput(f"{where}.message_id: expected an integer")
    return body


def _chat_id(message: dict[str, Any]) -> str:
    return str(message["chat"]["id"])


def _message_ref(message: dict[str, Any]) -> str:
    return f"{message['chat']['id']}:{message['message_id']}"


def _name(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    full = " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k))
    return full or str(person.get("username") or person.get("title") or "")


def _timestamp(value: Any) -> str:
    # An inaccessible message has date 0: no timestamp rather than 1970.
    if not _is_int(value) or value <= 0:
        return ""
    try:
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):  # past the year 9999: no timestamp rather than a guess
        return ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
