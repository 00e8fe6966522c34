"""Twilio webhooks in: X-Twilio-Signature checks, incoming-message webhooks and status callbacks
as ProviderEvents, the empty TwiML answer, and shared contacts (vCard files) once fetched.

One webhook serves both channels: the prefix of ``From`` decides the channel of each request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from shared.channels.provider_events import ProviderEvent
from shared.channels.twilio.addresses import TWILIO_SMS, TWILIO_WHATSAPP, WHATSAPP_PREFIX, strip_channel
from shared.kernel.errors import InvalidInput

SIGNATURE_HEADER = "X-Twilio-Signature"


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
MAX_MEDIA = 10  # media files one Twilio message carries at most
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


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name}: missing from the Twilio webhook parameters")
    return value


def _number(form: Mapping[str, str], name: str, bound: float) -> float:
    try:
        value = float(_required(form, name))
    except ValueError:
        raise InvalidInput(f"{name}: expected a number, got {form.get(name)!r}") from None
    if not -bound <= value <= bound:  # also refuses nan and inf
        raise InvalidInput(f"{name}: expected a number from -{bound:g} to {bound:g}, got {form.get(name)!r}")
    return value


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
        return [_status_event(form, sid, status, strip_channel(sender), strip_channel(recipient), channel)]
    return _message_events(form, sid, strip_channel(recipient), strip_channel(sender), channel)


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
    location: dict[str, Any] = {"latitude": _number(form, "Latitude", 90), "longitude": _number(form, "Longitude", 180)}
    if form.get("Label"):
        location["name"] = form["Label"]
    if form.get("Address"):
        location["address"] = form["Address"]
    return location


def _num_media(form: Mapping[str, str]) -> int:
    raw = form.get("NumMedia") or "0"
    digits = raw.lstrip("0") or "0"
    # ASCII digits only ("²".isdigit() holds), and no more than a message can carry.
    if not (raw.isascii() and raw.isdigit()) or len(digits) > 2 or int(digits) > MAX_MEDIA:
        raise InvalidInput(f"NumMedia: expected a count from 0 to {MAX_MEDIA}, got {raw[:20]!r}")
    return int(digits)


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
