"""WhatsApp "messages" webhook bodies → ProviderEvents (customer messages and delivery statuses).

Choices the docs leave to us:
- Webhook-level ``value.errors`` (a system or account problem, no customer, no message id) are
  skipped: they are nothing a conversation can record, and the sender already learns about failed
  sends from the API answer and from "failed" statuses.
- A reply to the business's WhatsApp Status has no documented marker in the Cloud API webhooks, so
  "status_reply" is never set.
- Edits ("edit" type) are documented for WhatsApp Business app numbers ("Coexistence") only, and Meta
  notes they may arrive as "unsupported" meanwhile; both are handled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.channels.provider_events import STATUSES, ProviderEvent
from shared.kernel.errors import InvalidInput

CHANNEL = "whatsapp"
WEBHOOK_OBJECT = "whatsapp_business_account"


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


def accounts_named(body: Any) -> list[str]:
    """The phone_number_ids a body's changes name, whatever else it holds (never raises): the accounts
    that may vouch for a request that carries no customer event (errors, template updates)."""
    found = []
    entries = body.get("entry") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            metadata = value.get("metadata") if isinstance(value, dict) else None
            account = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if isinstance(account, str) and account and account not in found:
                found.append(account)
    return found


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
    text = body.get("body", "")
    if not isinstance(text, str):
        return _unsupported("text")
    return "text", text, {}


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
    if not (-90 <= payload["latitude"] <= 90 and -180 <= payload["longitude"] <= 180):  # also refuses NaN
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
    phones = [str(p.get("phone") or p.get("wa_id")) for p in _items(card.get("phones"))
              if isinstance(p, dict) and (p.get("phone") or p.get("wa_id"))]
    emails = [str(m["email"]) for m in _items(card.get("emails")) if isinstance(m, dict) and m.get("email")]
    return {"name": str(name or ""), "phones": phones, "emails": emails}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


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
