"""Telegram outbound: LIMITS, and OutboundMessage → the Bot API calls that deliver it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from posixpath import splitext
from typing import Any
from urllib.parse import urlsplit

from shared.channels.provider_events import ApiCall
from shared.channels.text_fitting import (
    option_id,
    shorten,
    split_text,
    utf16_units,
    within_utf8_bytes,
    within_utf16_units,
)
from shared.kernel.errors import PermanentError
from shared.messages.wire import OutboundMessage


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

# sendMessage refuses an empty text; a keyboard still needs one to hang from. Language-neutral.
KEYBOARD_ONLY_TEXT = "👇"

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
