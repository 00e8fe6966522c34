"""Telegram Bot API: webhook Updates in, Bot API method calls out, error answers classified.

Pure functions only: the lead's webhook function checks the secret header, routes by the bot id in
its URL (an Update never says which bot it is for) and answers; the sender owns the HTTP client and
the token (calls go to ``{base}/bot{token}/{method}``).

Telegram reports no delivery, read or failed statuses to bots, so no "status" event is ever
produced: a send either succeeds (the Bot API answers the sent Message) or fails synchronously.

Provider message ids (dedupe keys and quote/reaction targets):
  messages        "<chat id>:<message_id>" (message ids are only unique within a chat); what
                  ``sent_message_id`` returns for our own messages, so quotes and reactions line up
  edited messages "<chat id>:<message_id>:edit:<edit_date>" (each edit is its own event)
  callback query  "callback:<callback_query.id>" (globally unique, stable across redeliveries)
  reactions and other non-message updates  "update:<update_id>" (the Bot API's own redelivery key)

Lengths are counted in UTF-16 code units, the unit the Bot API measures entities in: never fewer
than code points, so a text that fits by this count is never refused as too long.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from posixpath import splitext
from typing import Any
from urllib.parse import urlsplit

from shared.channels.provider_events import ApiCall, ErrorDisposition, ProviderEvent, retry_after_header
from shared.channels.text_fitting import (
    option_id,
    shorten,
    split_text,
    utf16_units,
    within_utf8_bytes,
    within_utf16_units,
)
from shared.domain.messages import OutboundMessage
from shared.errors import InvalidInput, PermanentError

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class TelegramLimits:
    # sendMessage: "text ... 1-4096 characters after entities parsing" (core.telegram.org/bots/api#sendmessage)
    text_chars: int = 4096
    # sendPhoto/sendVideo/sendAudio/sendDocument: "caption ... 0-1024 characters after entities parsing"
    caption_chars: int = 1024
    # InlineKeyboardButton: "callback_data ... 1-64 bytes" (core.telegram.org/bots/api#inlinekeyboardbutton)
    callback_data_bytes: int = 64
    # Not in the Bot API reference: servers refuse more than 100 inline buttons per message
    # ("reply markup is too long"; tginfo Telegram-Limits, "Keyboard buttons number: up to 100").
    keyboard_buttons: int = 100
    # Not in the Bot API reference: "Message markup data (e.g. inline buttons): up to 10 KB"
    # (tginfo Telegram-Limits). Measured on our JSON, which is larger than the wire form: conservative.
    reply_markup_bytes: int = 10_000
    # InlineKeyboardButton.text has no documented maximum; clients cut long labels themselves. Our cap
    # keeps a one-per-row keyboard readable and its markup well inside reply_markup_bytes.
    button_text_chars: int = 64
    # "In sendDocument, sending by URL will currently only work for GIF, PDF and ZIP files."
    # (core.telegram.org/bots/api#sending-files)
    document_url_extensions: tuple[str, ...] = (".gif", ".pdf", ".zip")
    # setWebhook: "secret_token ... 1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
    secret_token_chars: int = 256


LIMITS = TelegramLimits()

# message_reaction is not delivered unless asked for ("By default, all update types except
# chat_member, message_reaction, and message_reaction_count are received"), so registration names
# the update types we handle.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "message_reaction")

# sendMessage refuses an empty text; a keyboard still needs one to hang from. Language-neutral.
KEYBOARD_ONLY_TEXT = "👇"

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
# A t.me/<bot>?start=<payload> deep link arrives as "/start <payload>" (core.telegram.org/bots/features#deep-linking)
_START = re.compile(r"^/start(?:@\w+)?\s+(\S+)\s*$")


# -- credentials and webhook checks ----------------------------------------------------------------

def bot_id_of(token: str) -> str:
    """The bot's id: the digits before ':' in its token (the account a webhook URL names)."""
    match = _TOKEN.match(token or "")
    if match is None:
        raise InvalidInput("bot token: expected '<bot id>:<secret>' as BotFather gives it")
    return match.group(1)


def secret_token_is_valid(header: str | None, expected: str) -> bool:
    """Whether X-Telegram-Bot-Api-Secret-Token matches, compared in constant time.

    An empty expected secret never validates: a webhook without a secret is refused, not open.
    """
    if not header or not expected:
        return False
    return hmac.compare_digest(header.encode(), expected.encode())


def webhook_registration(url: str, secret_token: str) -> ApiCall:
    """The setWebhook call that points the bot at ``url`` with the update types we parse."""
    if not url.startswith("https://"):
        raise InvalidInput("url: Telegram only delivers webhooks to https:// URLs")
    if not (_SECRET_TOKEN.match(secret_token or "") and len(secret_token) <= LIMITS.secret_token_chars):
        raise InvalidInput(f"secret_token: 1-{LIMITS.secret_token_chars} of A-Z a-z 0-9 _ -")
    return ApiCall("setWebhook", json={"url": url, "secret_token": secret_token,
                                       "allowed_updates": list(ALLOWED_UPDATES)})


def webhook_reply(update: Any) -> dict[str, Any] | None:
    """The one method call to answer the webhook with, if any.

    Telegram executes a method given in the webhook's HTTP response body; answering a callback query
    there stops the button's spinner without a request of our own.
    """
    if not isinstance(update, dict):
        return None
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("id"), str) and query["id"]:
        return {"method": "answerCallbackQuery", "callback_query_id": query["id"]}
    return None


# -- inbound -----------------------------------------------------------------------------------------

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
    """(kind, text, payload) of a message's content."""
    caption = message.get("caption") if isinstance(message.get("caption"), str) else ""
    if isinstance(message.get("text"), str):
        return "text", message["text"], {}
    if isinstance(message.get("photo"), list) and message["photo"]:
        return "image", caption, {"media": _media(_largest(message["photo"]), "image/jpeg")}
    # An animation also fills "document" for old clients, so it is looked at first. Animations are
    # GIFs or silent MPEG-4 clips that Telegram serves as MP4: they are videos to us.
    for field, kind in (("animation", "video"), ("video", "video"), ("video_note", "video"), ("voice", "voice"),
                        ("audio", "audio"), ("document", "document"), ("sticker", "sticker")):
        if isinstance(message.get(field), dict):
            file = message[field]
            default_mime = _sticker_mime(file) if field == "sticker" else _DEFAULT_MIME.get(field, "")
            return kind, caption, {"media": _media(file, default_mime)}
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


def _media(file: dict[str, Any], default_mime: str) -> dict[str, Any]:
    if not isinstance(file.get("file_id"), str) or not file["file_id"]:
        raise InvalidInput("message media: file_id: expected a string")
    media: dict[str, Any] = {"id": file["file_id"]}
    mime = file.get("mime_type") or default_mime
    if mime:
        media["mime_type"] = mime
    if file.get("file_name"):
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
        raise InvalidInput("message.photo: expected a list of PhotoSize objects")
    return max(photos, key=lambda p: (p.get("width", 0) * p.get("height", 0), p.get("file_size", 0)))


def _location(location: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)):
        raise InvalidInput("message.location: expected numeric latitude and longitude")
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
    return datetime.fromtimestamp(value, tz=UTC).isoformat() if _is_int(value) and value > 0 else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- outbound ----------------------------------------------------------------------------------------

_TEXT_FITS = within_utf16_units(LIMITS.text_chars)
_CAPTION_FITS = within_utf16_units(LIMITS.caption_chars)
_CALLBACK_DATA_FITS = within_utf8_bytes(LIMITS.callback_data_bytes)


def render(message: OutboundMessage) -> list[ApiCall]:
    """The Bot API calls that deliver ``message``, in order (plain text: no parse_mode, so nothing a
    customer or bot author wrote is ever read as markup)."""
    renderer = _RENDERERS.get(message.kind)
    if renderer is None:
        raise PermanentError(f"telegram cannot send a {message.kind!r} message")
    if not message.recipient:
        raise PermanentError("telegram: the message has no recipient chat id")
    return renderer(message)


def _render_text(message: OutboundMessage) -> list[ApiCall]:
    if not message.text.strip():
        raise PermanentError(f"telegram cannot send an empty {message.kind} message")
    return _text_calls(message.recipient, message.text)


def _render_template(message: OutboundMessage) -> list[ApiCall]:
    # Telegram has no templates (and no 24-hour window needing one): the rendered preview is the message.
    if not message.text.strip():
        raise PermanentError("telegram: the template has no rendered text to send in its place")
    return _text_calls(message.recipient, message.text)


def _render_buttons(message: OutboundMessage) -> list[ApiCall]:
    options = list(enumerate(message.options))
    if not options:
        return _render_text(message)
    text = message.text.strip()
    markup = _keyboard(options)
    if markup is None:
        # More buttons than a keyboard takes: the numbered list the engine also understands ("2" or the title).
        return _text_calls(message.recipient, _numbered(text, options))
    return _text_calls(message.recipient, text or KEYBOARD_ONLY_TEXT, markup)


def _render_carousel(message: OutboundMessage) -> list[ApiCall]:
    # Telegram has no carousel: each card becomes a photo (or a text when it has no image) with its
    # title and subtitle as caption and its buttons as that message's keyboard.
    cards = message.payload.get("cards")
    if not isinstance(cards, list) or not all(isinstance(card, dict) for card in cards):
        raise PermanentError("telegram: carousel payload.cards must be a list of cards")
    calls = _text_calls(message.recipient, message.text) if message.text.strip() else []
    index = 0
    for card in cards:
        titles = [str(title) for title in card.get("buttons") or []]
        options = list(enumerate(titles, start=index))
        index += len(titles)
        caption = "\n".join(str(card[k]).strip() for k in ("title", "subtitle") if str(card.get(k) or "").strip())
        markup = _keyboard(options)
        if markup is None:
            caption = _numbered(caption, options)
        image = str(card.get("image") or "")
        if image:
            calls += _media_calls(message.recipient, "sendPhoto", "photo", image, caption, markup)
        elif caption or options:
            calls += _text_calls(message.recipient, caption or KEYBOARD_ONLY_TEXT, markup)
    if not calls:
        raise PermanentError("telegram: the carousel has no cards and no text")
    return calls


_MEDIA_METHODS = {"image": ("sendPhoto", "photo"), "video": ("sendVideo", "video"),
                  "audio": ("sendAudio", "audio"), "document": ("sendDocument", "document")}


def _render_media(message: OutboundMessage) -> list[ApiCall]:
    payload = message.payload
    kind, url = payload.get("kind"), str(payload.get("url") or "")
    if kind not in _MEDIA_METHODS:
        raise PermanentError(f"telegram cannot send media of kind {kind!r}")
    if not url:
        raise PermanentError("telegram: the media message has no url")
    caption = str(payload.get("caption") or "")
    filename = str(payload.get("filename") or "")
    # Sent by URL, Telegram names the file after the URL itself; there is no file-name parameter.
    if kind == "document" and not _document_url_accepted(url, filename):
        # Telegram fetches only GIF, PDF and ZIP documents by URL: share the link instead.
        link = f"{filename}: {url}" if filename else url
        return _text_calls(message.recipient, "\n".join(part for part in (caption.strip(), link) if part))
    method, field = _MEDIA_METHODS[kind]
    return _media_calls(message.recipient, method, field, url, caption, None)


def _document_url_accepted(url: str, filename: str) -> bool:
    extension = splitext(filename)[1] or splitext(urlsplit(url).path)[1]
    # Without an extension we cannot tell, and Telegram may still recognise the content.
    return not extension or extension.lower() in LIMITS.document_url_extensions


def _render_location(message: OutboundMessage) -> list[ApiCall]:
    payload = message.payload
    latitude, longitude = payload.get("latitude"), payload.get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)):
        raise PermanentError("telegram: a location needs numeric latitude and longitude")
    name, address = str(payload.get("name") or "").strip(), str(payload.get("address") or "").strip()
    point = {"chat_id": message.recipient, "latitude": latitude, "longitude": longitude}
    if name and address:
        return [ApiCall("sendVenue", json={**point, "title": name, "address": address})]
    # sendVenue needs both a title and an address: with only one, the pin then that line as text.
    label = name or address
    return [ApiCall("sendLocation", json=point), *(_text_calls(message.recipient, label) if label else [])]


def _media_calls(chat_id: str, method: str, field: str, url: str, caption: str,
                 markup: dict[str, Any] | None) -> list[ApiCall]:
    """The media with as much caption as fits, cut at a boundary; the rest follows as text (the
    keyboard goes on the last message, after everything it refers to)."""
    first = next(iter(split_text(caption, _CAPTION_FITS)), "")
    rest = caption.strip()[len(first):].lstrip()  # the first piece is a prefix of the stripped caption
    body: dict[str, Any] = {"chat_id": chat_id, field: url}
    if first:
        body["caption"] = first
    followers = _text_calls(chat_id, rest, markup) if rest else []
    if markup is not None and not followers:
        body["reply_markup"] = markup
    return [ApiCall(method, json=body), *followers]


def _text_calls(chat_id: str, text: str, markup: dict[str, Any] | None = None) -> list[ApiCall]:
    pieces = split_text(text, _TEXT_FITS)
    calls = []
    for number, piece in enumerate(pieces, start=1):
        body: dict[str, Any] = {"chat_id": chat_id, "text": piece}
        if markup is not None and number == len(pieces):
            body["reply_markup"] = markup
        calls.append(ApiCall("sendMessage", json=body))
    return calls


def _keyboard(options: list[tuple[int, str]]) -> dict[str, Any] | None:
    """One callback button per row, or None when that many buttons would be refused."""
    if not options or len(options) > LIMITS.keyboard_buttons:
        return None
    rows = [[{"text": _label(title, index), "callback_data": option_id(title, index, _CALLBACK_DATA_FITS)}]
            for index, title in options]
    markup = {"inline_keyboard": rows}
    size = len(json.dumps(markup, ensure_ascii=False, separators=(",", ":")).encode())
    return markup if size <= LIMITS.reply_markup_bytes else None


def _label(title: str, index: int) -> str:
    return shorten(title, LIMITS.button_text_chars, utf16_units) or str(index + 1)


def _numbered(text: str, options: list[tuple[int, str]]) -> str:
    return "\n".join([*([text] if text else []), *(f"{index + 1}. {title}" for index, title in options)])


_RENDERERS: dict[str, Callable[[OutboundMessage], list[ApiCall]]] = {
    "text": _render_text, "menu": _render_text, "template": _render_template, "buttons": _render_buttons,
    "carousel": _render_carousel, "media": _render_media, "location": _render_location,
}


# -- answers -----------------------------------------------------------------------------------------

def sent_message_id(response_body: Any) -> str:
    """"<chat id>:<message_id>" of the Message a send method answered (the first, for a media group)."""
    result = response_body.get("result") if isinstance(response_body, dict) else None
    if isinstance(result, list) and result:
        result = result[0]
    chat = result.get("chat") if isinstance(result, dict) else None
    if not (isinstance(chat, dict) and _is_int(chat.get("id")) and _is_int(result.get("message_id"))):
        raise InvalidInput("result: expected the sent Message with message_id and chat.id")
    return f"{chat['id']}:{result['message_id']}"


def get_file(file_id: str) -> ApiCall:
    """The getFile call that turns an inbound media id into a downloadable file_path."""
    return ApiCall("getFile", json={"file_id": file_id})


def file_path_of(response_body: Any) -> str:
    """file_path from getFile's answer; the bytes are at ``{base}/file/bot{token}/{file_path}``
    (not under the ``bot{token}/`` API root), for at least an hour, up to 20 MB."""
    result = response_body.get("result") if isinstance(response_body, dict) else None
    path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(path, str) or not path:
        raise InvalidInput("result.file_path: expected a string (files over 20 MB have none)")
    return path


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Flood control (429, with parameters.retry_after) and server errors are worth retrying; any
    other error (400 chat not found, 403 bot blocked by the user, 401 bad token...) will not pass."""
    body = body if isinstance(body, dict) else {}
    code = body.get("error_code") if _is_int(body.get("error_code")) else status
    description = str(body.get("description") or "")
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    reason = f"telegram {code}: {description}" if description else f"telegram HTTP {status}"
    if _is_int(parameters.get("migrate_to_chat_id")):
        reason += f" (the group is now chat {parameters['migrate_to_chat_id']})"
    retry_after = _retry_after(parameters, headers)
    transient = status == 429 or code == 429 or status >= 500 or retry_after is not None
    return ErrorDisposition(transient=transient, reason=reason, retry_after_s=retry_after if transient else None)


def _retry_after(parameters: Mapping[str, Any], headers: Mapping[str, str]) -> float | None:
    hint = parameters.get("retry_after")
    if isinstance(hint, int | float) and not isinstance(hint, bool) and hint >= 0:
        return float(hint)
    return retry_after_header(headers)
