"""OutboundMessage → Messenger/Instagram Send API requests, within Meta's documented LIMITS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.channels.meta_messaging.inbound import INSTAGRAM, MESSENGER
from shared.channels.provider_events import ApiCall
from shared.channels.text_fitting import Fits, option_id, shorten, split_text, within_chars, within_utf8_bytes
from shared.kernel.errors import PermanentError
from shared.messages.wire import OutboundMessage

SEND_PATH = "messages"


@dataclass(frozen=True)
class MetaMessagingLimits:
    # Messenger Send API: "message.text ... must be UTF-8 and has a 2000 character limit".
    messenger_text_chars: int = 2000
    # Instagram messaging Send API: "Message text must be UTF-8 and be 1000 bytes or less".
    instagram_text_bytes: int = 1000
    # Quick replies (both channels): "You can have a maximum of 13 buttons".
    quick_replies: int = 13
    # Quick reply title: "Plain text of up to 20 characters (will be truncated if more than 20)".
    quick_reply_title_chars: int = 20
    # Quick reply and postback button payload: "1000 character limit".
    payload_chars: int = 1000
    # Generic template: "The generic template supports a maximum of 10 elements per message".
    template_elements: int = 10
    # Generic template element title / subtitle: "80 character limit" each.
    element_title_chars: int = 80
    element_subtitle_chars: int = 80
    # Generic template element: "A maximum of 3 buttons per element is supported".
    element_buttons: int = 3
    # Postback button title: "20 character limit".
    button_title_chars: int = 20


LIMITS = MetaMessagingLimits()

_ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio", "document": "file"}
_MAPS_URL = "https://www.google.com/maps?q={latitude},{longitude}"
_EMPTY_PROMPT = "…"  # quick replies and templates need some text to hang on


def render(message: OutboundMessage, *, human_agent_tag: bool = False) -> list[ApiCall]:
    """The Send API calls (POST {account}/messages) that deliver ``message``, in order.

    ``human_agent_tag`` marks a person's reply sent after the 24-hour window (allowed for 7 days)."""
    if message.channel not in (MESSENGER, INSTAGRAM):
        raise PermanentError(f"meta_messaging: cannot send on channel {message.channel!r}")
    renderer = _RENDERERS.get(message.kind)
    if renderer is None:
        raise PermanentError(f"{message.channel}: cannot send messages of kind {message.kind!r}")
    return [ApiCall(path=SEND_PATH, json=_request(message.recipient, content, human_agent_tag))
            for content in renderer(message)]


def _request(recipient: str, content: dict[str, Any], human_agent_tag: bool) -> dict[str, Any]:
    if human_agent_tag:
        return {"recipient": {"id": recipient}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                "message": content}
    return {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": content}


# -- text --------------------------------------------------------------------------------------------

_TEXT_FITS = {MESSENGER: within_chars(LIMITS.messenger_text_chars),
              INSTAGRAM: within_utf8_bytes(LIMITS.instagram_text_bytes)}
# Quick reply and postback payloads alike.
_PAYLOAD_FITS: Fits = within_chars(LIMITS.payload_chars)


def _texts(message: OutboundMessage, text: str | None = None) -> list[dict[str, Any]]:
    return [{"text": piece} for piece in split_text(message.text if text is None else text,
                                                    _TEXT_FITS[message.channel])]


def _render_template(message: OutboundMessage) -> list[dict[str, Any]]:
    # Meta messaging has no pre-approved templates: send the rendered preview.
    parameters = message.payload.get("parameters") or []
    return _texts(message, message.text or " ".join(str(p) for p in parameters))


def _render_location(message: OutboundMessage) -> list[dict[str, Any]]:
    payload = message.payload
    try:
        latitude, longitude = float(payload["latitude"]), float(payload["longitude"])
    except (KeyError, TypeError, ValueError):
        raise PermanentError(f"{message.channel}: a location needs numeric latitude and longitude") from None
    lines = [str(payload.get("name") or ""), str(payload.get("address") or ""),
             _MAPS_URL.format(latitude=latitude, longitude=longitude)]
    return _texts(message, "\n".join(line for line in lines if line))


# -- buttons -----------------------------------------------------------------------------------------

def _label(title: str, index: int, limit: int) -> str:
    return shorten(title, limit) or str(index + 1)


def _render_buttons(message: OutboundMessage) -> list[dict[str, Any]]:
    options = list(message.options)
    if not options:
        return _texts(message)
    if len(options) > LIMITS.quick_replies:
        numbered = "\n".join(f"{i + 1}. {title}" for i, title in enumerate(options))
        return _texts(message, f"{message.text.strip()}\n\n{numbered}" if message.text.strip() else numbered)
    contents = _texts(message) or [{"text": _EMPTY_PROMPT}]
    contents[-1]["quick_replies"] = [
        {"content_type": "text", "title": _label(title, i, LIMITS.quick_reply_title_chars),
         "payload": option_id(title, i, _PAYLOAD_FITS)}
        for i, title in enumerate(options)
    ]
    return contents


# -- carousel ----------------------------------------------------------------------------------------

def _render_carousel(message: OutboundMessage) -> list[dict[str, Any]]:
    cards = message.payload.get("cards")
    if not isinstance(cards, list) or not all(isinstance(card, dict) for card in cards):
        raise PermanentError(f"{message.channel}: a carousel needs payload.cards, a list of objects")
    elements = _elements(cards)
    if not elements:
        return _texts(message)
    if any(set(element) == {"title"} for element in elements):
        # Meta refuses an element with nothing but a title: say the carousel in words instead.
        return _texts(message, _carousel_as_text(message.text, cards))
    templates = [
        {"attachment": {"type": "template", "payload": {
            "template_type": "generic", "elements": elements[start:start + LIMITS.template_elements]}}}
        for start in range(0, len(elements), LIMITS.template_elements)
    ]
    return _texts(message) + templates


def _elements(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One element per card; a card with more buttons than an element holds continues in the next
    elements (same title, subtitle and image) so every option stays reachable."""
    elements: list[dict[str, Any]] = []
    index = 0  # buttons are numbered across the whole carousel, like message.options
    for card in cards:
        buttons = []
        for title in (str(t) for t in card.get("buttons") or []):
            buttons.append({"type": "postback", "title": _label(title, index, LIMITS.button_title_chars),
                            "payload": option_id(title, index, _PAYLOAD_FITS)})
            index += 1
        heading = shorten(str(card.get("title") or card.get("subtitle") or ""), LIMITS.element_title_chars)
        base: dict[str, Any] = {"title": heading or _EMPTY_PROMPT}
        if card.get("subtitle") and card.get("title"):
            base["subtitle"] = shorten(str(card["subtitle"]), LIMITS.element_subtitle_chars)
        if card.get("image"):
            base["image_url"] = str(card["image"])
        if not buttons:
            elements.append(base)
        for start in range(0, len(buttons), LIMITS.element_buttons):
            elements.append({**base, "buttons": buttons[start:start + LIMITS.element_buttons]})
    return elements


def _carousel_as_text(intro: str, cards: list[dict[str, Any]]) -> str:
    blocks = [intro.strip()] if intro.strip() else []
    index = 0
    for card in cards:
        lines = [str(card.get(key)) for key in ("title", "subtitle", "image") if card.get(key)]
        for title in card.get("buttons") or []:
            index += 1
            lines.append(f"{index}. {title}")
        blocks.append("\n".join(lines))
    return "\n\n".join(block for block in blocks if block)


# -- media -------------------------------------------------------------------------------------------

def _render_media(message: OutboundMessage) -> list[dict[str, Any]]:
    payload = message.payload
    attachment_type = _ATTACHMENT_TYPES.get(str(payload.get("kind", "")))
    if attachment_type is None:
        raise PermanentError(f"{message.channel}: cannot send media of kind {payload.get('kind')!r}")
    url = payload.get("url")
    if not isinstance(url, str) or not url:
        raise PermanentError(f"{message.channel}: a media message needs payload.url")
    media: dict[str, Any] = {"url": url}
    if message.channel == MESSENGER:
        media["is_reusable"] = True  # Messenger keeps the upload: resending it needs no new download
    # The Send API takes no caption with an attachment: the caption follows as text.
    caption = str(payload.get("caption") or "")
    return [{"attachment": {"type": attachment_type, "payload": media}}, *_texts(message, caption)]


_RENDERERS: dict[str, Callable[[OutboundMessage], list[dict[str, Any]]]] = {
    "text": _texts,
    "menu": _texts,  # the numbered options are already in the text
    "template": _render_template,
    "buttons": _render_buttons,
    "carousel": _render_carousel,
    "media": _render_media,
    "location": _render_location,
}
