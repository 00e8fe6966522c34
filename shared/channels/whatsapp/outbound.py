"""OutboundMessage → WhatsApp Messages API requests, within the documented LIMITS.

The list button label defaults to "☰" (language-neutral); callers may pass a per-language label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.channels.provider_events import ApiCall
from shared.channels.text_fitting import ELLIPSIS, option_id, shorten, split_text, within_chars
from shared.kernel.errors import PermanentError
from shared.messages.wire import OutboundMessage

MESSAGES_PATH = "messages"
LIST_BUTTON_DEFAULT = "☰"
# An interactive message needs a body; used only when the bot gave no text at all.
_EMPTY_BODY = ELLIPSIS


@dataclass(frozen=True)
class WhatsAppLimits:
    # Messages API, text messages: "body ... Maximum 4096 characters".
    text_chars: int = 4096
    # Interactive reply buttons messages: "up to three predefined replies".
    reply_buttons: int = 3
    # Interactive reply buttons: button label text "Maximum 20 characters".
    button_title_chars: int = 20
    # Interactive reply buttons: button ID "Maximum 256 characters".
    button_id_chars: int = 256
    # Interactive reply buttons: body text "Maximum 1024 characters".
    button_body_chars: int = 1024
    # Interactive list messages: "up to 10 rows for all sections combined".
    list_rows: int = 10
    # Interactive list messages: row title "Maximum 24 characters".
    list_row_title_chars: int = 24
    # Interactive list messages: row ID "Maximum 200 characters".
    list_row_id_chars: int = 200
    # Interactive list messages: row description "Maximum 72 characters".
    list_row_description_chars: int = 72
    # Interactive list messages: button label text "Maximum 20 characters".
    list_button_chars: int = 20
    # Interactive list messages: section title "Maximum 24 characters".
    list_section_title_chars: int = 24
    # Interactive list messages: message body text "Maximum 4096 characters".
    list_body_chars: int = 4096
    # Image, video and document messages: media caption text "Maximum 1024 characters".
    media_caption_chars: int = 1024


LIMITS = WhatsAppLimits()

_MEDIA_SEND_KINDS = ("image", "video", "audio", "document")
_CAPTIONED_MEDIA = ("image", "video", "document")


def render(message: OutboundMessage, *, list_button: str = LIST_BUTTON_DEFAULT) -> list[ApiCall]:
    """The Messages API requests that deliver ``message``, in order.

    ``list_button`` labels the button that opens a list of 4-10 options (per-language if wanted).
    """
    to = message.recipient
    if message.kind in ("text", "menu"):
        if not message.text.strip():
            raise PermanentError(f"{message.kind} message {message.message_id} has no text")
        return _text_calls(to, message.text)
    if message.kind == "buttons":
        return _options_calls(to, message.text, list(message.options), 0, list_button)
    if message.kind == "carousel":
        return _carousel_calls(to, message, list_button)
    if message.kind == "media":
        return _media_calls(to, message.payload)
    if message.kind == "location":
        return [_call(to, "location", _location_object(message.payload))]
    if message.kind == "template":
        return [_call(to, "template", _template_object(message.payload))]
    raise PermanentError(f"WhatsApp cannot render a message of kind {message.kind!r}")


def _call(to: str, kind: str, content: dict[str, Any]) -> ApiCall:
    return ApiCall(path=MESSAGES_PATH, json={"messaging_product": "whatsapp", "recipient_type": "individual",
                                             "to": to, "type": kind, kind: content})


def _text_calls(to: str, text: str) -> list[ApiCall]:
    chunks = split_text(text, within_chars(LIMITS.text_chars))
    return [_call(to, "text", {"preview_url": False, "body": chunk}) for chunk in chunks]


def _options_calls(to: str, text: str, titles: list[str], first_index: int, list_button: str) -> list[ApiCall]:
    """Text with options: reply buttons (≤3), a list (≤10), else a numbered text."""
    if not titles:
        return _text_calls(to, text) if text.strip() else []
    if len(titles) > LIMITS.list_rows:
        numbered = "\n".join(f"{i + 1}. {title}" for i, title in enumerate(titles))
        return _text_calls(to, f"{text.strip()}\n\n{numbered}" if text.strip() else numbered)
    is_list = len(titles) > LIMITS.reply_buttons
    lead, body = _body_split(text, LIMITS.list_body_chars if is_list else LIMITS.button_body_chars)
    build = _list_object if is_list else _buttons_object
    first = _text_calls(to, lead) if lead else []
    return [*first, _call(to, "interactive", build(body, titles, first_index, list_button))]


def _body_split(text: str, limit: int) -> tuple[str, str]:
    """(text to send first, interactive body): the body is the last piece that fits ``limit``."""
    text, fits = text.strip(), within_chars(limit)
    if not text:
        return "", _EMPTY_BODY
    if fits(text):
        return "", text
    tail = split_text(text, fits)[-1]
    return text[: len(text) - len(tail)].strip(), tail


def _unique_ids(titles: list[str], first_index: int, limit: int) -> list[str]:
    ids: list[str] = []
    fits = within_chars(limit)
    for offset, title in enumerate(titles):
        candidate = option_id(title, first_index + offset, fits)
        # Meta refuses repeated ids in one message; the position is always unique.
        ids.append(candidate if candidate not in ids else str(first_index + offset + 1))
    return ids


def _buttons_object(body: str, titles: list[str], first_index: int, _label: str) -> dict[str, Any]:
    ids = _unique_ids(titles, first_index, LIMITS.button_id_chars)
    buttons = [{"type": "reply", "reply": {"id": id_, "title": shorten(title, LIMITS.button_title_chars)}}
               for id_, title in zip(ids, titles, strict=True)]
    return {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}


def _list_object(body: str, titles: list[str], first_index: int, label: str) -> dict[str, Any]:
    ids = _unique_ids(titles, first_index, LIMITS.list_row_id_chars)
    rows = []
    for id_, title in zip(ids, titles, strict=True):
        row = {"id": id_, "title": shorten(title, LIMITS.list_row_title_chars)}
        if row["title"] != title.strip():
            row["description"] = shorten(title, LIMITS.list_row_description_chars)
        rows.append(row)
    button = shorten(label, LIMITS.list_button_chars) or LIST_BUTTON_DEFAULT
    section = {"title": shorten(button, LIMITS.list_section_title_chars), "rows": rows}
    return {"type": "list", "body": {"text": body}, "action": {"button": button, "sections": [section]}}


def _carousel_calls(to: str, message: OutboundMessage, list_button: str) -> list[ApiCall]:
    """WhatsApp has no free-form carousel: each card becomes an image (or text) then its options."""
    cards = message.payload.get("cards")
    if not isinstance(cards, list):
        raise PermanentError(f"carousel message {message.message_id}: payload.cards must be a list")
    calls = _text_calls(to, message.text) if message.text.strip() else []
    index = 0
    for card in cards:
        if not isinstance(card, dict):
            raise PermanentError(f"carousel message {message.message_id}: each card must be an object")
        title, subtitle = str(card.get("title") or "").strip(), str(card.get("subtitle") or "").strip()
        caption = "\n".join(part for part in (title, subtitle) if part)
        image = str(card.get("image") or "")
        if image:
            calls += _captioned_media(to, "image", {"link": image}, caption)
        elif caption:
            calls += _text_calls(to, caption)
        titles = [str(b) for b in card.get("buttons") or []]
        if titles:
            calls += _options_calls(to, title, titles, index, list_button)
        index += len(titles)
    return calls


def _captioned_media(to: str, kind: str, media: dict[str, Any], caption: str) -> list[ApiCall]:
    caption = caption.strip()
    if caption and kind in _CAPTIONED_MEDIA and len(caption) <= LIMITS.media_caption_chars:
        return [_call(to, kind, {**media, "caption": caption})]
    # Audio takes no caption, and a longer caption would be refused: it follows as text.
    return [_call(to, kind, media), *(_text_calls(to, caption) if caption else [])]


def _media_calls(to: str, payload: Mapping[str, Any]) -> list[ApiCall]:
    kind, url = payload.get("kind"), payload.get("url")
    if kind not in _MEDIA_SEND_KINDS:
        raise PermanentError(f"WhatsApp cannot send media of kind {kind!r}")
    if not isinstance(url, str) or not url:
        raise PermanentError("media message without a url")
    media: dict[str, Any] = {"link": url}
    if kind == "document" and payload.get("filename"):
        media["filename"] = str(payload["filename"])
    return _captioned_media(to, kind, media, str(payload.get("caption") or ""))


def _location_object(payload: Mapping[str, Any]) -> dict[str, Any]:
    try:
        location: dict[str, Any] = {"latitude": float(payload["latitude"]),
                                    "longitude": float(payload["longitude"])}
    except (KeyError, TypeError, ValueError):
        raise PermanentError("location message needs numeric latitude and longitude") from None
    for key in ("name", "address"):
        if payload.get(key):
            location[key] = str(payload[key])
    return location


def _template_object(payload: Mapping[str, Any]) -> dict[str, Any]:
    name, language = payload.get("name"), payload.get("language")
    if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
        raise PermanentError("template message needs a name and a language")
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    parameters = [{"type": "text", "text": str(p)} for p in payload.get("parameters") or []]
    if parameters:
        template["components"] = [{"type": "body", "parameters": parameters}]
    return template
