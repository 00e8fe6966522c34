"""Twilio messages out: LIMITS and OutboundMessage → Messages.json requests (form parameters).

The lead's sender posts each ApiCall form-encoded with basic auth (account SID : auth token) to
``{base}/2010-04-01/Accounts/{sid}/{path}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from shared.channels.provider_events import ApiCall
from shared.channels.text_fitting import split_text, utf16_units, within_utf16_units
from shared.channels.twilio.addresses import CHANNELS, TWILIO_WHATSAPP, WHATSAPP_PREFIX, strip_channel
from shared.kernel.errors import PermanentError
from shared.messages.wire import OutboundMessage

MESSAGES_PATH = "Messages.json"


@dataclass(frozen=True)
class TwilioLimits:
    # Messages resource: "Body ... can be up to 1,600 characters" (errors 21617 and 21658), for SMS,
    # MMS and WhatsApp alike; Twilio concatenates the SMS segments itself. Error 21617 warns that
    # emoji and other non-GSM characters count as several, so lengths are UTF-16 code units here.
    body_chars: int = 1600
    # WhatsApp media captions: at most 1,024 characters (WhatsApp Business media object `caption`);
    # Twilio sends Body as the caption when a WhatsApp message carries a MediaUrl.
    whatsapp_caption_chars: int = 1024
    # Messages resource MediaUrl: up to 10 media per MMS message.
    mms_media_urls: int = 10
    # WhatsApp takes one media item per message (Twilio WhatsApp media docs).
    whatsapp_media_urls: int = 1
    # ContentVariables: each value up to 1,600 characters (error 21658).
    content_variable_chars: int = 1600


LIMITS = TwilioLimits()

# WhatsApp shows no caption on audio messages: the caption is sent as its own text message.
_NO_CAPTION_KINDS = frozenset({"audio"})

_BODY_FITS = within_utf16_units(LIMITS.body_chars)


def numbered(options: Iterable[str], start: int = 1) -> str:
    """Options as "1. Title" lines: the engine accepts the number as the reply."""
    return "\n".join(f"{number}. {title}" for number, title in enumerate(options, start))


class _Calls:
    """The requests of one outbound message, addressed for its channel."""

    def __init__(self, message: OutboundMessage) -> None:
        if message.channel not in CHANNELS:
            raise PermanentError(f"Twilio cannot deliver to channel {message.channel!r}")
        if not message.recipient or not message.account:
            raise PermanentError("Twilio needs both the recipient (To) and our number (From)")
        self.whatsapp = message.channel == TWILIO_WHATSAPP
        prefix = WHATSAPP_PREFIX if self.whatsapp else ""
        self.to = prefix + strip_channel(message.recipient)
        self.sender = prefix + strip_channel(message.account)
        self.calls: list[ApiCall] = []

    def add(self, *params: tuple[str, str]) -> None:
        self.calls.append(ApiCall(MESSAGES_PATH, form=[("To", self.to), ("From", self.sender), *params]))

    def text(self, text: str) -> None:
        for chunk in split_text(text, _BODY_FITS):
            self.add(("Body", chunk))

    def media(self, url: str, caption: str, kind: str = "") -> None:
        if self.whatsapp:
            limit = 0 if kind in _NO_CAPTION_KINDS else LIMITS.whatsapp_caption_chars
        else:
            limit = LIMITS.body_chars
        caption = caption.strip()
        if caption and utf16_units(caption) <= limit:
            self.add(("Body", caption), ("MediaUrl", url))
            return
        # Too long to ride along: the media goes alone and the caption follows as text.
        self.add(("MediaUrl", url))
        if caption:
            self.text(caption)


def render(message: OutboundMessage) -> list[ApiCall]:
    """The Messages.json requests that deliver ``message``, in order.

    Buttons and menus become numbered text on both channels (native WhatsApp buttons need
    pre-approved Content templates). Media goes as MediaUrl on SMS too: MMS reaches US/Canada
    numbers; elsewhere Twilio either sends a text with a link (MMS Converter, a Messaging Service
    setting) or fails the message, which then shows as a failed delivery instead of media
    silently dropped."""
    calls = _Calls(message)
    renderer = _RENDERERS.get(message.kind)
    if renderer is None:
        raise PermanentError(f"Twilio cannot render a message of kind {message.kind!r}")
    renderer(calls, message)
    if not calls.calls:
        raise PermanentError(f"nothing to send: the {message.kind} message is empty")
    return calls.calls


def _render_text(calls: _Calls, message: OutboundMessage) -> None:
    calls.text(message.text)


def _render_buttons(calls: _Calls, message: OutboundMessage) -> None:
    calls.text("\n\n".join(part for part in (message.text.strip(), numbered(message.options)) if part))


def _render_carousel(calls: _Calls, message: OutboundMessage) -> None:
    cards = message.payload.get("cards") or []
    if message.text.strip():
        calls.text(message.text)
    number = 1
    for card in cards:
        titles = list(card.get("buttons") or [])
        heading = "\n".join(part for part in (card.get("title", ""), card.get("subtitle", "")) if part)
        body = "\n\n".join(part for part in (heading, numbered(titles, number)) if part)
        number += len(titles)
        if card.get("image"):
            calls.media(card["image"], body, "image")
        else:
            calls.text(body)


def _render_media(calls: _Calls, message: OutboundMessage) -> None:
    url = message.payload.get("url")
    if not url:
        raise PermanentError("media message without a url: Twilio fetches media from a public URL")
    # Twilio names a delivered document after the URL's last segment; "filename" cannot be sent.
    calls.media(url, message.payload.get("caption") or message.text, message.payload.get("kind", ""))


def _render_location(calls: _Calls, message: OutboundMessage) -> None:
    payload = message.payload
    try:
        latitude, longitude = float(payload["latitude"]), float(payload["longitude"])
    except (KeyError, TypeError, ValueError):
        raise PermanentError("location message needs numeric latitude and longitude") from None
    name, address = payload.get("name", ""), payload.get("address", "")
    link = f"https://www.google.com/maps/search/?api=1&query={latitude},{longitude}"
    intro = message.text.strip() if message.text.strip() not in ("", name) else ""
    body = "\n".join(part for part in (intro, name, address, link) if part)
    if calls.whatsapp:
        # PersistentAction "geo:lat,lon|label" makes WhatsApp show a map pin; Body stays required.
        label = name or address
        action = f"geo:{latitude},{longitude}" + (f"|{label}" if label else "")
        calls.add(("Body", body), ("PersistentAction", action))
    else:
        calls.text(body)


def _render_template(calls: _Calls, message: OutboundMessage) -> None:
    content_sid = message.payload.get("content_sid")
    parameters = [str(p) for p in message.payload.get("parameters") or []]
    fits = all(utf16_units(p) <= LIMITS.content_variable_chars for p in parameters)
    if calls.whatsapp and content_sid and fits:
        # Body and MediaUrl must not accompany ContentSid (error 63016's guidance).
        variables = {str(number): value for number, value in enumerate(parameters, 1)}
        calls.add(("ContentSid", content_sid),
                  ("ContentVariables", json.dumps(variables, ensure_ascii=False, separators=(",", ":"))))
    else:
        calls.text(message.text)


_RENDERERS = {
    "text": _render_text,
    "buttons": _render_buttons,
    "menu": _render_text,
    "carousel": _render_carousel,
    "media": _render_media,
    "location": _render_location,
    "template": _render_template,
}
