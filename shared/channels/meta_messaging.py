"""Facebook Messenger and Instagram messaging (Meta Graph API, Messenger Platform): webhook bodies in,
Send API requests out. Pure functions: the webhook function checks the signature and routes events,
the sender owns HTTP, credentials and retries.

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

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.channels.provider_events import ApiCall, ErrorDisposition, ProviderEvent, retry_after_header
from shared.channels.text_fitting import Fits, option_id, shorten, split_text, within_chars, within_utf8_bytes
from shared.domain.messages import OutboundMessage
from shared.errors import InvalidInput, PermanentError

MESSENGER = "messenger"
INSTAGRAM = "instagram"
_CHANNEL_BY_OBJECT = {"page": MESSENGER, "instagram": INSTAGRAM}
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

# ==================================================================================================
# Inbound
# ==================================================================================================

# Webhook fields whose dashboard/"changes" form carries one messaging item as its value.
_MESSAGING_FIELDS = frozenset({
    "messages", "message", "messaging_postbacks", "message_reactions", "message_reads", "messaging_seen",
    "message_deliveries", "message_edits", "message_echoes", "messaging_referral", "messaging_referrals",
    "messaging_optins", "messaging_handovers",
})
_MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "document", "sticker": "sticker"}
_ENVELOPE_KEYS = ("sender", "recipient", "timestamp")


def channel_of(body: Any) -> str:
    """MESSENGER for ``"object": "page"``, INSTAGRAM for ``"object": "instagram"``."""
    if not isinstance(body, dict):
        raise InvalidInput(f"webhook body: expected a JSON object, got {type(body).__name__}")
    obj = body.get("object")
    if obj not in _CHANNEL_BY_OBJECT:
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
            if change.get("field") in _MESSAGING_FIELDS and isinstance(change.get("value"), dict):
                events.extend(_parse_item(channel, entry, change["value"], f"{where}.value"))
    return events


def _list_field(entry: dict[str, Any], name: str, where: str) -> list[Any]:
    value = entry.get(name, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{where}.{name}: expected a list")
    return value


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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


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
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
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
    mids = [m for m in delivery.get("mids") or [] if isinstance(m, str) and m]
    if mids:
        return [_status(origin, "delivered", mid) for mid in mids]
    return [_watermark_status(origin, "delivered", delivery.get("watermark"))]


def _status(origin: _Origin, status: str, refers_to: str) -> ProviderEvent:
    return origin.event(f"{refers_to}:{status}", "status", payload={"status": status, "refers_to": refers_to})


def _watermark_status(origin: _Origin, status: str, watermark: Any) -> ProviderEvent:
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

# ==================================================================================================
# Outbound
# ==================================================================================================

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

# ==================================================================================================
# Answers
# ==================================================================================================

# Graph codes worth retrying: 1/2 unknown/temporary service errors, 4/17/32/613 platform throttling
# (application, user, Page, custom), 1200 "Temporary send message failure", 80001/80002/80006
# business-use-case throttling of Pages, Instagram and Messenger. Meta answers most with HTTP 400.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 1200, 80001, 80002, 80006})
_OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2534022})
_TOKEN_CODES = frozenset({190, 102})
_EXPLANATIONS = {
    551: "the person is not available (blocked the account or cannot receive messages)",
    368: "the account is temporarily blocked for policy violations",
    200: "the app or token lacks a permission for this send",
}


def sent_message_id(response_body: Any) -> str:
    """The message id of a Send API success: ``{"recipient_id": ..., "message_id": ...}``."""
    message_id = response_body.get("message_id") if isinstance(response_body, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise InvalidInput("message_id: missing from the Send API answer")
    return message_id


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Retry or give up on a Send API error (Graph error body ``{"error": {"code", "message"...}}``)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return ErrorDisposition(transient=status == 429 or status >= 500,
                                reason=f"HTTP {status}: {_describe(body)}".rstrip(": "),
                                retry_after_s=_retry_after(headers))
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    transient = (code in TRANSIENT_CODES or error.get("is_transient") is True or status == 429 or status >= 500) \
        and code not in _TOKEN_CODES and code not in _EXPLANATIONS and not _outside_window(code, subcode, error)
    return ErrorDisposition(transient=transient, reason=_reason(status, code, subcode, error),
                            retry_after_s=_retry_after(headers) if transient else None)


def _describe(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str):
        body = "" if body is None else json.dumps(body, default=str)
    return body[:300]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _outside_window(code: int | None, subcode: int | None, error: dict[str, Any]) -> bool:
    return code == 10 and (subcode in _OUTSIDE_WINDOW_SUBCODES or "allowed window" in str(error.get("message", "")))


def _reason(status: int, code: int | None, subcode: int | None, error: dict[str, Any]) -> str:
    name = f"Graph error {code}" + (f"/{subcode}" if subcode else "")
    message = str(error.get("message") or error.get("error_user_msg") or f"HTTP {status}")
    reason = f"{name}: {message}"
    if _outside_window(code, subcode, error):
        return (f"{reason} (outside the messaging window: 24 hours after the customer's last message,"
                " 7 days for a human agent's reply with the HUMAN_AGENT tag)")
    if code in _TOKEN_CODES:
        return f"{reason} (the access token is invalid or expired)"
    if code in _EXPLANATIONS:
        return f"{reason} ({_EXPLANATIONS[code]})"
    return reason


def _retry_after(headers: Mapping[str, str]) -> float | None:
    seconds = retry_after_header(headers)
    if seconds is not None:
        return seconds
    lowered = {str(k).lower(): v for k, v in headers.items()}
    return _business_use_case_wait(lowered.get("x-business-use-case-usage"))


def _business_use_case_wait(header: str | None) -> float | None:
    """Meta's throttling hint: X-Business-Use-Case-Usage lists, per business object, the minutes
    until access is regained (estimated_time_to_regain_access)."""
    if not header:
        return None
    try:
        usage = json.loads(header)
    except ValueError:
        return None
    minutes = [
        float(entry.get("estimated_time_to_regain_access") or 0)
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None
