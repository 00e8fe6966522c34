"""Twilio Programmable Messaging, SMS and WhatsApp: webhook signatures, incoming-message webhooks and
status callbacks in, Message-resource requests out, and how to treat Twilio's error answers.

One webhook serves both channels: Twilio addresses WhatsApp users as ``whatsapp:+E164`` and SMS
users as plain ``+E164``, so the prefix of ``From`` decides the channel of each request.

Pure functions only: the lead's sender posts each ApiCall form-encoded with basic auth
(account SID : auth token) to ``{base}/2010-04-01/Accounts/{sid}/{path}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from shared.channels.provider_events import ApiCall, ErrorDisposition, ProviderEvent, retry_after_header
from shared.channels.text_fitting import split_text, utf16_units, within_utf16_units
from shared.domain.messages import OutboundMessage
from shared.errors import InvalidInput, PermanentError

TWILIO_SMS = "twilio_sms"
TWILIO_WHATSAPP = "twilio_whatsapp"
CHANNELS = (TWILIO_SMS, TWILIO_WHATSAPP)
SIGNATURE_HEADER = "X-Twilio-Signature"
MESSAGES_PATH = "Messages.json"
WHATSAPP_PREFIX = "whatsapp:"


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


# -- signatures ----------------------------------------------------------------------------------

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def _pairs(params: Params) -> list[tuple[str, str]]:
    if isinstance(params, Mapping):
        getlist = getattr(params, "getlist", None)  # werkzeug MultiDict: keep repeated keys
        if callable(getlist):
            return [(key, value) for key in params for value in getlist(key)]
        return list(params.items())
    return list(params)


def twilio_signature(url: str, params: Params, auth_token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 (key: the auth token) of the full URL followed by every
    POST parameter's name and value, sorted by name. A repeated name contributes each of its values,
    sorted, as Twilio's helper libraries do (twilio-python RequestValidator.compute_signature)."""
    data = url + "".join(key + value for key, value in sorted(_pairs(params)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_spellings(url: str) -> list[str]:
    # Twilio signs either with or without the default port depending on the route the request took;
    # its helper libraries accept both spellings.
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return [url]
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host = hostport.rsplit(":", 1)[0] if port is not None else hostport
    prefix = f"{userinfo}@" if userinfo else ""
    default_port = 443 if parts.scheme == "https" else 80
    with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port or default_port}"))
    without_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    return list(dict.fromkeys([url, without_port, with_port]))


def twilio_signature_is_valid(url: str, params: Params, header: str | None, auth_token: str) -> bool:
    if not header or not auth_token:
        return False
    pairs = _pairs(params)
    given = header.strip().encode()
    valid = False
    for spelling in _url_spellings(url):
        valid |= hmac.compare_digest(twilio_signature(spelling, pairs, auth_token).encode(), given)
    return valid


def webhook_response() -> tuple[bytes, str]:
    """The empty TwiML answer: we reply through the API, never in the webhook response."""
    return b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "text/xml"


# -- inbound -------------------------------------------------------------------------------------

_STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "partially_delivered": "delivered", "read": "read",
    "undelivered": "failed", "failed": "failed", "canceled": "failed",
}
_INBOUND_STATUSES = ("received", "receiving")  # SmsStatus/MessageStatus of a customer's message
_REFERRAL_FIELDS = {
    "ReferralSourceUrl": "source_url", "ReferralSourceType": "source_type", "ReferralSourceId": "source_id",
    "ReferralHeadline": "headline", "ReferralBody": "body", "ReferralCtwaClid": "ctwa_clid",
    "ReferralMediaUrl": "media_url", "ReferralMediaContentType": "media_type", "ReferralMediaId": "media_id",
}
_VCARD_TYPES = ("text/vcard", "text/x-vcard", "text/directory")
_MEDIA_MESSAGE_TYPES = ("image", "audio", "video", "document", "sticker", "voice")
# Delivery errors Twilio reports in status callbacks (https://www.twilio.com/docs/api/errors/<code>).
_DELIVERY_ERRORS = {
    "30003": "unreachable destination handset",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered as spam by the carrier",
    "30008": "unknown error",
    "21610": "recipient has unsubscribed (replied STOP)",
    "63016": "outside the WhatsApp 24-hour customer service window; send an approved template",
    "63024": "invalid message recipient",
}


def _strip_channel(address: str) -> str:
    return address[len(WHATSAPP_PREFIX):] if address.startswith(WHATSAPP_PREFIX) else address


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name}: missing from the Twilio webhook parameters")
    return value


def _number(form: Mapping[str, str], name: str) -> float:
    try:
        return float(_required(form, name))
    except ValueError:
        raise InvalidInput(f"{name}: expected a number, got {form.get(name)!r}") from None


def parse_webhook(form: Mapping[str, str]) -> list[ProviderEvent]:
    """An incoming-message webhook or a status callback (MessageStatus) as provider events.

    Twilio's webhooks carry no timestamp, so occurred_at stays empty (the receive time is used).
    """
    if not isinstance(form, Mapping):
        raise InvalidInput(f"expected Twilio's form parameters, got {type(form).__name__}")
    sid = _required(form, "MessageSid")
    sender, recipient = _required(form, "From"), _required(form, "To")
    whatsapp = sender.startswith(WHATSAPP_PREFIX) or recipient.startswith(WHATSAPP_PREFIX)
    channel = TWILIO_WHATSAPP if whatsapp else TWILIO_SMS
    status = form.get("MessageStatus", "")
    if status and status not in _INBOUND_STATUSES:
        # A status callback reports on our own message: we are From, the customer is To.
        return [_status_event(form, sid, status, _strip_channel(sender), _strip_channel(recipient), channel)]
    return _message_events(form, sid, _strip_channel(recipient), _strip_channel(sender), channel)


def _status_event(form: Mapping[str, str], sid: str, raw: str, account: str, contact: str,
                  channel: str) -> ProviderEvent:
    status = _STATUS_MAP.get(raw)
    if status is None:
        return ProviderEvent(account=account, contact=contact, provider_message_id=f"{sid}:{raw}",
                             kind="unsupported", payload={"raw_type": f"MessageStatus={raw}"}, channel=channel)
    payload: dict[str, Any] = {"status": status, "refers_to": sid}
    if status == "failed":
        payload["error"] = _delivery_error(form, raw)
    return ProviderEvent(account=account, contact=contact, provider_message_id=f"{sid}:{status}",
                         kind="status", payload=payload, channel=channel)


def _delivery_error(form: Mapping[str, str], raw_status: str) -> str:
    code = form.get("ErrorCode", "")
    message = form.get("ErrorMessage") or form.get("ChannelStatusMessage") or _DELIVERY_ERRORS.get(code, "")
    if code:
        return f"Twilio {code}: {message}" if message else f"Twilio {code}"
    return f"Twilio reported the message {raw_status}"


def _extras(form: Mapping[str, str]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if form.get("OriginalRepliedMessageSid"):
        extras["reply_to"] = form["OriginalRepliedMessageSid"]
    referral = {key: form[name] for name, key in _REFERRAL_FIELDS.items() if form.get(name)}
    if referral:
        extras["referral"] = referral
    # WhatsApp requests always say Forwarded=false; only a forwarded message is marked.
    if "true" in (form.get("Forwarded", "").lower(), form.get("FrequentlyForwarded", "").lower()):
        extras["forwarded"] = True
    return extras


def _message_events(form: Mapping[str, str], sid: str, account: str, contact: str,
                    channel: str) -> list[ProviderEvent]:
    def event(kind: str, text: str = "", payload: dict[str, Any] | None = None, message_id: str = sid
              ) -> ProviderEvent:
        return ProviderEvent(account=account, contact=contact, provider_message_id=message_id, kind=kind,
                             text=text, contact_name=form.get("ProfileName", ""), payload=payload or {},
                             channel=channel)

    body = form.get("Body", "")
    message_type = form.get("MessageType", "").lower()
    extras = _extras(form)
    if form.get("ListId") or form.get("ButtonPayload") or form.get("ButtonText"):
        button = _button_reply(form)
        return [event("button", button["title"], {**button, **extras})]
    if form.get("Latitude") or form.get("Longitude") or message_type == "location":
        return [event("location", body, {**_location(form), **extras})]
    num_media = _num_media(form)
    if num_media:
        # One message may carry up to 10 media: the first is the message itself (caption, quote,
        # referral), the others follow as their own events.
        (kind, payload), *others = _media_items(form, num_media, channel)
        return [event(kind, body, {**payload, **extras}),
                *(event(kind, "", payload, f"{sid}:{index}") for index, (kind, payload) in enumerate(others, 1))]
    if message_type in _MEDIA_MESSAGE_TYPES:
        raise InvalidInput(f"NumMedia: a MessageType={message_type} message carries no media")
    if message_type in ("", "text"):
        return [event("text", body, extras)]
    # Includes "reaction": Twilio documents no parameters naming the emoji or the reacted message.
    return [event("unsupported", body, {"raw_type": message_type, **extras})]


def _button_reply(form: Mapping[str, str]) -> dict[str, str]:
    body = form.get("Body", "")
    if form.get("ListId"):
        return {"id": form["ListId"], "title": form.get("ListTitle") or body, "source": "list"}
    title = form.get("ButtonText") or body
    return {"id": form.get("ButtonPayload") or title, "title": title, "source": "button"}


def _location(form: Mapping[str, str]) -> dict[str, Any]:
    location: dict[str, Any] = {"latitude": _number(form, "Latitude"), "longitude": _number(form, "Longitude")}
    if form.get("Label"):
        location["name"] = form["Label"]
    if form.get("Address"):
        location["address"] = form["Address"]
    return location


def _num_media(form: Mapping[str, str]) -> int:
    raw = form.get("NumMedia") or "0"
    if not raw.isdigit():
        raise InvalidInput(f"NumMedia: expected a count, got {raw!r}")
    return int(raw)


def _media_items(form: Mapping[str, str], count: int, channel: str) -> list[tuple[str, dict[str, Any]]]:
    items = []
    for index in range(count):
        url = _required(form, f"MediaUrl{index}")
        mime_type = form.get(f"MediaContentType{index}", "").lower()
        media = {"url": url, "mime_type": mime_type} if mime_type else {"url": url}
        if mime_type.split(";")[0].strip() in _VCARD_TYPES:
            # Shared contacts arrive as a vCard file, not inline: the list is filled once it is
            # fetched (contacts_from_vcard); the file itself is kept under "media".
            items.append(("contacts", {"contacts": [], "media": media}))
        else:
            items.append((_media_kind(mime_type, channel), {"media": media}))
    return items


def _media_kind(mime_type: str, channel: str) -> str:
    whatsapp = channel == TWILIO_WHATSAPP
    if mime_type == "image/webp" and whatsapp:
        return "sticker"
    if mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("audio/"):
        # WhatsApp voice notes are Opus in Ogg; other audio is a shared audio file.
        return "voice" if whatsapp and mime_type.startswith("audio/ogg") else "audio"
    if mime_type.startswith("video/"):
        return "video"
    return "document"


_VCARD_FOLD = re.compile(r"\r?\n[ \t]")


def contacts_from_vcard(text: str) -> list[dict[str, Any]]:
    """The contacts of a vCard file (a WhatsApp shared contact, once fetched) in the "contacts"
    payload shape: [{"name", "phones", "emails"}]."""
    contacts: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in _VCARD_FOLD.sub("", text).splitlines():
        name, _, value = line.partition(":")
        prop = name.split(";")[0].split(".")[-1].upper()  # drops parameters and "item1." groups
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            current = {"name": "", "phones": [], "emails": []}
        elif current is None:
            continue
        elif prop == "END":
            contacts.append(current)
            current = None
        elif prop == "FN" and value.strip():
            current["name"] = value.strip()
        elif prop == "N" and not current["name"]:
            parts = [p for p in value.split(";") if p.strip()]
            current["name"] = " ".join(reversed(parts[:2])).strip()
        elif prop == "TEL" and value.strip():
            current["phones"].append(value.strip())
        elif prop == "EMAIL" and value.strip():
            current["emails"].append(value.strip())
    return contacts


# -- outbound ------------------------------------------------------------------------------------

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
        self.to = prefix + _strip_channel(message.recipient)
        self.sender = prefix + _strip_channel(message.account)
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


def sent_message_id(response_body: Any) -> str:
    """The Message resource's "sid" from Twilio's 201 answer."""
    body = _json_body(response_body)
    sid = body.get("sid") if isinstance(body, dict) else None
    if not isinstance(sid, str) or not sid:
        raise InvalidInput("Twilio's answer has no message \"sid\"")
    return sid


# -- errors --------------------------------------------------------------------------------------

# Throttling codes Twilio may answer with HTTP 400 as well as 429 (docs/api/errors/<code>).
_THROTTLING = {
    20429: "too many requests",
    14107: "more than 30 replies between two numbers in 30 seconds",
    21611: "the From number's queue holds more than 10 hours of messages",
    63017: "account sending faster than 2000 messages per second",
    63018: "channel rate limit exceeded",
    63038: "account exceeded its daily message limit",
}
_WAIT_HINTS = {14107: 30.0}  # Twilio fails further replies for 30 seconds
_PERMANENT_REASONS = {
    21610: "the recipient has unsubscribed (replied STOP); they must text START to receive messages again",
    21211: "the 'To' number is not a valid phone number",
    63016: "outside the WhatsApp 24-hour customer service window; only an approved template (ContentSid) "
           "can be sent until the customer writes again",
}


def _json_body(body: Any) -> Any:
    if isinstance(body, bytes | str):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return body


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None




def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """Twilio's error body is {"code", "message", "more_info", "status"}."""
    parsed = _json_body(body)
    error = parsed if isinstance(parsed, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    message = str(error.get("message") or "")
    retry_after = retry_after_header(headers)
    label = f"Twilio {code}" if code is not None else f"Twilio HTTP {status}"
    if code in _PERMANENT_REASONS:
        return ErrorDisposition(False, f"{label}: {_PERMANENT_REASONS[code]}" + (f" ({message})" if message else ""))
    reason = f"{label}: {message or _THROTTLING.get(code or 0, 'no error message')}"
    if status == 429 or code in _THROTTLING:
        return ErrorDisposition(True, reason, retry_after if retry_after is not None else _WAIT_HINTS.get(code or 0))
    if status >= 500:
        return ErrorDisposition(True, reason, retry_after)
    return ErrorDisposition(False, reason)
