"""The WhatsApp Business Cloud API (Meta): webhook bodies in, Messages API requests out.

Pure functions only: the lead's webhook checks signatures and routes by account, the sender owns
``{base}/{phone_number_id}/`` with the Bearer token, retries and pacing. Formats follow Meta's
"messages" webhook reference and the Messages API (developers.facebook.com/documentation/
business-messaging/whatsapp).

Choices the docs leave to us:
- Webhook-level ``value.errors`` (a system or account problem, no customer, no message id) are
  skipped: they are nothing a conversation can record, and the sender already learns about failed
  sends from the API answer and from "failed" statuses.
- A reply to the business's WhatsApp Status has no documented marker in the Cloud API webhooks, so
  "status_reply" is never set.
- Edits ("edit" type) are documented for WhatsApp Business app numbers ("Coexistence") only, and Meta
  notes they may arrive as "unsupported" meanwhile; both are handled.
- The list button label defaults to "☰" (language-neutral); callers may pass a per-language label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.channels.provider_events import STATUSES, ApiCall, ErrorDisposition, ProviderEvent, retry_after_header
from shared.channels.text_fitting import ELLIPSIS, option_id, shorten, split_text, within_chars
from shared.domain.messages import OutboundMessage
from shared.errors import InvalidInput, PermanentError

CHANNEL = "whatsapp"
WEBHOOK_OBJECT = "whatsapp_business_account"
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

# Error codes, "Throttling errors" table of the Cloud API error codes reference: 4 API Too Many Calls,
# 80007 WABA rate limit, 130429 throughput reached, 131048 spam rate limit, 131056 pair rate limit,
# 133016 register/deregister rate limit. Meta answers most of them with HTTP 400.
THROTTLING_CODES = frozenset({4, 80007, 130429, 131048, 131056, 133016})
# 1 API Unknown ("possible server error"), 2 API Service (downtime or overload), 131000 Something went
# wrong, 131016 Service unavailable: a later try may succeed.
SERVER_TROUBLE_CODES = frozenset({1, 2, 131000, 131016})
REENGAGEMENT_CODE = 131047  # more than 24 hours since the customer's last message
TOKEN_CODE = 190  # access token expired or invalid

_MEDIA_SEND_KINDS = ("image", "video", "audio", "document")
_CAPTIONED_MEDIA = ("image", "video", "document")


# ------------------------------------------------------------------------------------------------
# Inbound
# ------------------------------------------------------------------------------------------------

def parse_webhook(body: Any) -> list[ProviderEvent]:
    """Every customer message and status of a "messages" webhook body, in order."""
    if not isinstance(body, dict):
        raise InvalidInput("body: expected a JSON object")
    if body.get("object") != WEBHOOK_OBJECT:
        raise InvalidInput(f"object: expected {WEBHOOK_OBJECT!r}, got {body.get('object')!r}")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise InvalidInput("entry: expected a list")
    events: list[ProviderEvent] = []
    for e, entry in enumerate(entries):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise InvalidInput(f"entry[{e}].changes: expected a list")
        for c, change in enumerate(changes):
            where = f"entry[{e}].changes[{c}]"
            if not isinstance(change, dict):
                raise InvalidInput(f"{where}: expected an object")
            if change.get("field") != "messages":
                continue  # template, account and quality updates are not conversation events
            events.extend(_value_events(change.get("value"), f"{where}.value"))
    return events


def _value_events(value: Any, where: str) -> list[ProviderEvent]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected an object")
    messages = _list_field(value, "messages", where)
    statuses = _list_field(value, "statuses", where)
    if not messages and not statuses:
        return []  # value.errors alone: see the module docstring
    metadata = value.get("metadata")
    account = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    if not isinstance(account, str) or not account:
        raise InvalidInput(f"{where}.metadata.phone_number_id: missing")
    names = _profile_names(value.get("contacts"))
    events = [_message_event(account, names, m, f"{where}.messages[{i}]") for i, m in enumerate(messages)]
    events += [_status_event(account, s, f"{where}.statuses[{i}]") for i, s in enumerate(statuses)]
    return events


def _list_field(value: dict[str, Any], name: str, where: str) -> list[Any]:
    items = value.get(name, [])
    if not isinstance(items, list):
        raise InvalidInput(f"{where}.{name}: expected a list")
    return items


def _profile_names(contacts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if isinstance(name, str):
            names[str(contact.get("wa_id", ""))] = name
    return names


def _required_str(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{where}.{key}: missing")
    return value


def _occurred_at(raw: Any) -> str:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _message_event(account: str, names: dict[str, str], msg: Any, where: str) -> ProviderEvent:
    if not isinstance(msg, dict):
        raise InvalidInput(f"{where}: expected an object")
    contact = _required_str(msg, "from", where)
    message_id = _required_str(msg, "id", where)
    # Meta notes a user's wa_id and phone number may differ; a lone contact entry is the sender.
    name = names.get(contact) or (next(iter(names.values())) if len(names) == 1 else "")
    kind, text, payload = _content(msg)
    payload.update(_message_context(msg))
    return ProviderEvent(account=account, contact=contact, provider_message_id=message_id, kind=kind,
                         text=text, contact_name=name, occurred_at=_occurred_at(msg.get("timestamp")),
                         payload=payload)


def _message_context(msg: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    context = msg.get("context")
    if isinstance(context, dict):
        if isinstance(context.get("id"), str) and context["id"]:
            extra["reply_to"] = context["id"]
        if context.get("forwarded") or context.get("frequently_forwarded"):
            extra["forwarded"] = True
    referral = msg.get("referral")
    if isinstance(referral, dict):
        extra["referral"] = {k: v for k, v in referral.items() if v is not None}
    return extra


def _content(msg: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(kind, text, payload) of one message object, whatever its type."""
    raw_type = msg.get("type")
    if "group_id" in msg:
        # Cloud API group chats: our conversations are one customer each, so never answer a group.
        return _unsupported("group", raw_type)
    body = msg.get(raw_type) if isinstance(raw_type, str) else None
    if not isinstance(body, dict) and raw_type != "contacts":
        return _unsupported(str(raw_type or "unknown"), _subtype(msg))
    parser = _CONTENT_PARSERS.get(raw_type)
    if parser is None:
        return _unsupported(raw_type, _subtype(msg))
    return parser(msg, body)


def _subtype(msg: dict[str, Any]) -> str | None:
    inner = msg.get(msg.get("type")) if isinstance(msg.get("type"), str) else None
    value = inner.get("type") if isinstance(inner, dict) else None
    return value if isinstance(value, str) else None


def _unsupported(raw_type: str, subtype: Any = None) -> tuple[str, str, dict[str, Any]]:
    payload: dict[str, Any] = {"raw_type": raw_type}
    if isinstance(subtype, str) and subtype:
        payload["subtype"] = subtype
    return "unsupported", "", payload


def _text(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    return "text", str(body.get("body", "")), {}


def _interactive(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    subtype = body.get("type")
    source = {"button_reply": "button", "list_reply": "list"}.get(subtype) if isinstance(subtype, str) else None
    reply = body.get(subtype) if source else None
    if not isinstance(reply, dict) or not isinstance(reply.get("id"), str):
        return _unsupported("interactive", subtype)  # nfm_reply (Flows), call permission replies...
    title = str(reply.get("title", ""))
    return "button", title, {"id": reply["id"], "title": title, "source": source}


def _template_button(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    title = str(body.get("text", ""))
    return "button", title, {"id": str(body.get("payload", title)), "title": title, "source": "button"}


def _media(msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    kind = msg["type"]
    if kind == "audio" and body.get("voice") is True:
        kind = "voice"
    media: dict[str, Any] = {}
    if isinstance(body.get("id"), str) and body["id"]:
        media["id"] = body["id"]
    elif isinstance(body.get("url"), str) and body["url"]:
        media["url"] = body["url"]
    else:
        return _unsupported(msg["type"])
    for key in ("mime_type", "sha256", "filename"):
        if isinstance(body.get(key), str) and body[key]:
            media[key] = body[key]
    return kind, str(body.get("caption", "")), {"media": media}


def _location(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    try:
        payload: dict[str, Any] = {"latitude": float(body["latitude"]), "longitude": float(body["longitude"])}
    except (KeyError, TypeError, ValueError):
        return _unsupported("location")
    for key in ("name", "address", "url"):
        if isinstance(body.get(key), str) and body[key]:
            payload[key] = body[key]
    return "location", "", payload


def _contacts(msg: dict[str, Any], _body: Any) -> tuple[str, str, dict[str, Any]]:
    cards = msg.get("contacts")
    if not isinstance(cards, list):
        return _unsupported("contacts")
    return "contacts", "", {"contacts": [_contact_card(card) for card in cards if isinstance(card, dict)]}


def _contact_card(card: dict[str, Any]) -> dict[str, Any]:
    name_obj = card.get("name") if isinstance(card.get("name"), dict) else {}
    name = name_obj.get("formatted_name") or " ".join(
        str(name_obj[k]) for k in ("first_name", "last_name") if name_obj.get(k))
    phones = [str(p.get("phone") or p.get("wa_id")) for p in card.get("phones") or []
              if isinstance(p, dict) and (p.get("phone") or p.get("wa_id"))]
    emails = [str(m["email"]) for m in card.get("emails") or [] if isinstance(m, dict) and m.get("email")]
    return {"name": str(name or ""), "phones": phones, "emails": emails}


def _reaction(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    reacted_to = body.get("message_id")
    if not isinstance(reacted_to, str) or not reacted_to:
        return _unsupported("reaction")
    # Meta omits the emoji when the customer removes their reaction.
    return "reaction", "", {"emoji": str(body.get("emoji") or ""), "reacted_to": reacted_to}


def _edit(_msg: dict[str, Any], body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    original = body.get("original_message_id")
    if not isinstance(original, str) or not original:
        return _unsupported("edit")
    new = body.get("message") if isinstance(body.get("message"), dict) else {}
    new_body = new.get(new.get("type")) if isinstance(new.get("type"), str) else None
    text = ""
    if isinstance(new_body, dict):
        text = str(new_body.get("body") or new_body.get("caption") or "")
    return "edit", text, {"edited_message_id": original}


_CONTENT_PARSERS = {
    "text": _text,
    "interactive": _interactive,
    "button": _template_button,
    "image": _media, "audio": _media, "video": _media, "document": _media, "sticker": _media,
    "location": _location,
    "contacts": _contacts,
    "reaction": _reaction,
    "edit": _edit,
}


def _status_event(account: str, status: Any, where: str) -> ProviderEvent:
    if not isinstance(status, dict):
        raise InvalidInput(f"{where}: expected an object")
    refers_to = _required_str(status, "id", where)
    name = str(status.get("status", ""))
    common = {"account": account, "contact": str(status.get("recipient_id", "")),
              "provider_message_id": f"{refers_to}:{name}", "occurred_at": _occurred_at(status.get("timestamp"))}
    if status.get("recipient_type") == "group":
        return ProviderEvent(kind="unsupported", payload={"raw_type": "status", "subtype": "group"}, **common)
    if name not in STATUSES:
        return ProviderEvent(kind="unsupported", payload=_unsupported("status", name)[2], **common)
    payload: dict[str, Any] = {"status": name, "refers_to": refers_to}
    if name == "failed":
        payload["error"] = _status_error(status.get("errors"))
    return ProviderEvent(kind="status", payload=payload, **common)


def _status_error(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("code", "")
    title = first.get("title") or first.get("message") or "failed"
    data = first.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    reason = f"{code} {title}".strip()
    return f"{reason}: {details}" if details and details != title else reason


# ------------------------------------------------------------------------------------------------
# Outbound
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# API answers
# ------------------------------------------------------------------------------------------------

def sent_message_id(response_body: Any) -> str:
    """The wamid of a successful send: ``{"messages": [{"id": "wamid..."}], ...}``."""
    messages = response_body.get("messages") if isinstance(response_body, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else None
    message_id = first.get("id") if isinstance(first, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise InvalidInput("messages[0].id: missing from the WhatsApp answer")
    return message_id


def error_disposition(status: int, body: Any, headers: Mapping[str, str]) -> ErrorDisposition:
    """How to treat a Graph API error answer ``{"error": {"message", "type", "code", ...}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else _int_or_none(code)
    reason = _error_reason(status, code, error)
    retry_after = retry_after_header(headers)
    if code in THROTTLING_CODES or status == 429:
        return ErrorDisposition(True, f"throttled: {reason}", retry_after)
    if code in SERVER_TROUBLE_CODES or status >= 500:
        return ErrorDisposition(True, reason, retry_after)
    if code == REENGAGEMENT_CODE:
        return ErrorDisposition(False, "more than 24 hours since the customer's last message, only a template "
                                       f"can reach them: {reason}")
    if code == TOKEN_CODE:
        return ErrorDisposition(False, f"access token refused: {reason}")
    return ErrorDisposition(False, reason)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_reason(status: int, code: int | None, error: dict[str, Any]) -> str:
    message = str(error.get("message") or "").strip()
    data = error.get("error_data")
    details = str(data.get("details") or "").strip() if isinstance(data, dict) else ""
    text = "; ".join(part for part in (message, details) if part) or "no error message"
    return f"WhatsApp error {code} (HTTP {status}): {text}" if code is not None else f"HTTP {status}: {text}"

