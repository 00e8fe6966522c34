"""Webhook bodies as the WhatsApp Cloud API sends them ("messages" field), one builder per kind.

Each builder returns a whole request body for one message or status; ``batched`` puts several in
one ``value`` (as Meta batches them) and ``entries`` in several entries. ``signed`` gives the raw
bytes and the ``X-Hub-Signature-256`` header the webhook checks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature

WABA_ID = "102290129340398"
DISPLAY_PHONE_NUMBER = "15550783881"
TIMESTAMP = 1749416383


def envelope(phone_number_id: str, *, messages: list[dict[str, Any]] | None = None,
             contacts: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None,
             errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id},
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses), ("errors", errors)):
        if items is not None:
            value[key] = items
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def _message_body(phone_number_id: str, wa_id: str, message_id: str, kind: str, content: Any, *,
                  timestamp: int = TIMESTAMP, name: str | None = "Sheena Nelson",
                  context: dict[str, Any] | None = None, referral: dict[str, Any] | None = None,
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"from": wa_id, "id": message_id, "timestamp": str(timestamp), "type": kind}
    if context is not None:
        message["context"] = context
    if content is not None:
        message[kind] = content
    if referral is not None:
        message["referral"] = referral
    message.update(extra or {})
    contacts = [{"profile": {"name": name}, "wa_id": wa_id}] if name is not None else None
    return envelope(phone_number_id, messages=[message], contacts=contacts)


def text_message(phone_number_id: str, wa_id: str, text: str, message_id: str, *, timestamp: int = TIMESTAMP,
                 name: str | None = "Sheena Nelson", reply_to: str | None = None, forwarded: bool = False,
                 frequently_forwarded: bool = False, referral: dict[str, Any] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if reply_to:
        context.update({"from": DISPLAY_PHONE_NUMBER, "id": reply_to})
    if forwarded:
        context["forwarded"] = True
    if frequently_forwarded:
        context["frequently_forwarded"] = True
    return _message_body(phone_number_id, wa_id, message_id, "text", {"body": text}, timestamp=timestamp,
                         name=name, context=context or None, referral=referral)


def ad_referral(**overrides: Any) -> dict[str, Any]:
    """The referral object of a message sent from a Click to WhatsApp ad."""
    referral = {
        "source_url": "https://fb.me/3cr4Wqqkv",
        "source_id": "120226305854810726",
        "source_type": "ad",
        "body": "Summer succulents are here!",
        "headline": "Chat with us",
        "media_type": "image",
        "image_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/image.jpg",
        "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcch",
        "welcome_message": {"text": "Hi there! Let us know how we can help!"},
    }
    referral.update(overrides)
    return referral


def button_reply(phone_number_id: str, wa_id: str, button_id: str, title: str, message_id: str, *,
                 timestamp: int = TIMESTAMP, name: str | None = "Sheena Nelson",
                 context_id: str = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=") -> dict[str, Any]:
    """A tap on an interactive reply button."""
    return _message_body(phone_number_id, wa_id, message_id, "interactive",
                         {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
                         timestamp=timestamp, name=name, context={"from": DISPLAY_PHONE_NUMBER, "id": context_id})


def list_reply(phone_number_id: str, wa_id: str, row_id: str, title: str, message_id: str, *,
               description: str = "", timestamp: int = TIMESTAMP, name: str | None = "Sheena Nelson",
               context_id: str = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=") -> dict[str, Any]:
    """A choice from an interactive list."""
    reply = {"id": row_id, "title": title}
    if description:
        reply["description"] = description
    return _message_body(phone_number_id, wa_id, message_id, "interactive",
                         {"type": "list_reply", "list_reply": reply},
                         timestamp=timestamp, name=name, context={"from": DISPLAY_PHONE_NUMBER, "id": context_id})


def flow_reply(phone_number_id: str, wa_id: str, message_id: str, *, timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """A WhatsApp Flow completion (interactive nfm_reply), which Charla does not handle."""
    return _message_body(phone_number_id, wa_id, message_id, "interactive",
                         {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent",
                                                             "response_json": "{\"flow_token\": \"t\"}"}},
                         timestamp=timestamp)


def template_button(phone_number_id: str, wa_id: str, payload: str, text: str, message_id: str, *,
                    timestamp: int = TIMESTAMP, name: str | None = "Sheena Nelson") -> dict[str, Any]:
    """A tap on a quick-reply button of a template message."""
    return _message_body(phone_number_id, wa_id, message_id, "button", {"payload": payload, "text": text},
                         timestamp=timestamp, name=name,
                         context={"from": DISPLAY_PHONE_NUMBER, "id": "wamid.TEMPLATE"})


def media_message(phone_number_id: str, wa_id: str, kind: str, media_id: str, message_id: str, *,
                  mime_type: str = "image/jpeg", caption: str | None = None, filename: str | None = None,
                  voice: bool | None = None, timestamp: int = TIMESTAMP, name: str | None = "Sheena Nelson",
                  sha256: str = "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3"
                  ) -> dict[str, Any]:
    """An image, audio, video, document or sticker message (webhooks carry the media id and a url)."""
    content: dict[str, Any] = {"mime_type": mime_type, "sha256": sha256, "id": media_id,
                               "url": f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}"}
    if caption is not None:
        content["caption"] = caption
    if filename is not None:
        content["filename"] = filename
    if voice is not None:
        content["voice"] = voice
    return _message_body(phone_number_id, wa_id, message_id, kind, content, timestamp=timestamp, name=name)


def image_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, *, caption: str | None = None,
                  **kwargs: Any) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "image", media_id, message_id, caption=caption, **kwargs)


def voice_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, **kwargs: Any) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "audio", media_id, message_id, mime_type="audio/ogg; codecs=opus",
                         voice=True, **kwargs)


def audio_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, **kwargs: Any) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "audio", media_id, message_id, mime_type="audio/mpeg",
                         voice=False, **kwargs)


def video_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, *, caption: str | None = None,
                  **kwargs: Any) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "video", media_id, message_id, mime_type="video/mp4",
                         caption=caption, **kwargs)


def document_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, *,
                     filename: str = "invoice.pdf", caption: str | None = None, **kwargs: Any) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "document", media_id, message_id, mime_type="application/pdf",
                         filename=filename, caption=caption, **kwargs)


def sticker_message(phone_number_id: str, wa_id: str, media_id: str, message_id: str, **kwargs: Any
                    ) -> dict[str, Any]:
    return media_message(phone_number_id, wa_id, "sticker", media_id, message_id, mime_type="image/webp", **kwargs)


def location_message(phone_number_id: str, wa_id: str, latitude: float, longitude: float, message_id: str, *,
                     name: str | None = None, address: str | None = None, timestamp: int = TIMESTAMP
                     ) -> dict[str, Any]:
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if name is not None:
        location["name"] = name
    if address is not None:
        location["address"] = address
    return _message_body(phone_number_id, wa_id, message_id, "location", location, timestamp=timestamp)


def contacts_message(phone_number_id: str, wa_id: str, cards: list[dict[str, Any]], message_id: str, *,
                     timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """``cards`` in Meta's contact shape, e.g. ``contact_card("Barbara Johnson", ["+1 650 555 1234"])``."""
    return _message_body(phone_number_id, wa_id, message_id, "contacts", cards, timestamp=timestamp)


def contact_card(formatted_name: str, phones: Sequence[str] = (), emails: Sequence[str] = (), *,
                 phone_wa_ids: Sequence[str] = ()) -> dict[str, Any]:
    card: dict[str, Any] = {"name": {"formatted_name": formatted_name, "first_name": formatted_name.split()[0]}}
    numbers = [{"phone": p, "type": "CELL"} for p in phones] + [{"wa_id": w, "type": "WORK"} for w in phone_wa_ids]
    if numbers:
        card["phones"] = numbers
    if emails:
        card["emails"] = [{"email": e, "type": "WORK"} for e in emails]
    return card


def reaction_message(phone_number_id: str, wa_id: str, reacted_to: str, emoji: str | None, message_id: str, *,
                     timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """A reaction; ``emoji=None`` is a removed reaction (Meta omits the emoji)."""
    reaction: dict[str, Any] = {"message_id": reacted_to}
    if emoji is not None:
        reaction["emoji"] = emoji
    return _message_body(phone_number_id, wa_id, message_id, "reaction", reaction, timestamp=timestamp)


def edit_message(phone_number_id: str, wa_id: str, original_message_id: str, new_text: str, message_id: str, *,
                 timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """An edited text (documented for WhatsApp Business app, "Coexistence", numbers)."""
    edit = {"original_message_id": original_message_id,
            "message": {"type": "text", "text": {"body": new_text}}}
    return _message_body(phone_number_id, wa_id, message_id, "edit", edit, timestamp=timestamp)


def unsupported_message(phone_number_id: str, wa_id: str, message_id: str, unsupported_type: str = "poll_update", *,
                        timestamp: int = TIMESTAMP) -> dict[str, Any]:
    errors = [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown",
               "error_data": {"details": "Message type is currently not supported."}}]
    return _message_body(phone_number_id, wa_id, message_id, "unsupported", {"type": unsupported_type},
                         timestamp=timestamp, extra={"errors": errors})


def system_message(phone_number_id: str, wa_id: str, new_wa_id: str, message_id: str, *,
                   timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """A customer changed their number (system messages carry no contacts array)."""
    system = {"body": f"User Sheena Nelson changed from {wa_id} to {new_wa_id}", "wa_id": new_wa_id,
              "type": "user_changed_number"}
    return _message_body(phone_number_id, wa_id, message_id, "system", system, timestamp=timestamp, name=None)


def request_welcome(phone_number_id: str, wa_id: str, message_id: str, *, timestamp: int = TIMESTAMP
                    ) -> dict[str, Any]:
    """A customer opened the chat for the first time (no content object)."""
    return _message_body(phone_number_id, wa_id, message_id, "request_welcome", None, timestamp=timestamp)


def group_message(phone_number_id: str, wa_id: str, group_id: str, text: str, message_id: str, *,
                  timestamp: int = TIMESTAMP) -> dict[str, Any]:
    """A text written in a Cloud API group chat."""
    return _message_body(phone_number_id, wa_id, message_id, "text", {"body": text}, timestamp=timestamp,
                         extra={"group_id": group_id})


def status(phone_number_id: str, wa_id: str, message_id: str, status_name: str, *, timestamp: int = TIMESTAMP,
           error_code: int | None = None, error_title: str = "", error_details: str = "",
           group: bool = False) -> dict[str, Any]:
    """A status (sent, delivered, read, failed...) of a message we sent."""
    item: dict[str, Any] = {"id": message_id, "status": status_name, "timestamp": str(timestamp),
                            "recipient_id": wa_id}
    if group:
        item.update({"recipient_type": "group", "recipient_participant_id": "16505551234"})
    if status_name in ("sent", "delivered", "read"):
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    if error_code is not None:
        error: dict[str, Any] = {"code": error_code, "title": error_title, "message": error_title,
                                 "href": "/docs/whatsapp/cloud-api/support/error-codes/"}
        if error_details:
            error["error_data"] = {"details": error_details}
        item["errors"] = [error]
    return envelope(phone_number_id, statuses=[item])


def failed_status(phone_number_id: str, wa_id: str, message_id: str, *, timestamp: int = TIMESTAMP,
                  code: int = 131047, title: str = "Re-engagement message",
                  details: str = "Message failed to send because more than 24 hours have passed since the "
                                 "customer last replied to this number.") -> dict[str, Any]:
    return status(phone_number_id, wa_id, message_id, "failed", timestamp=timestamp, error_code=code,
                  error_title=title, error_details=details)


def webhook_errors(phone_number_id: str, code: int = 130429, title: str = "Rate limit hit") -> dict[str, Any]:
    """A webhook-level error (system or account problem), with no message and no customer."""
    return envelope(phone_number_id, errors=[{
        "code": code, "title": title, "message": title,
        "error_data": {"details": "Message failed to send because there were too many messages sent from this "
                                  "phone number in a short period of time"},
        "href": "/docs/whatsapp/cloud-api/support/error-codes/"}])


def _value(body: dict[str, Any]) -> dict[str, Any]:
    return body["entry"][0]["changes"][0]["value"]


def batched(*bodies: dict[str, Any]) -> dict[str, Any]:
    """Several bodies of one phone number merged into one value, as Meta batches them."""
    merged = json.loads(json.dumps(bodies[0]))
    target = _value(merged)
    for body in bodies[1:]:
        value = _value(body)
        if value["metadata"] != target["metadata"]:
            raise ValueError("batched bodies must share the phone number")
        for key in ("contacts", "messages", "statuses"):
            if key in value:
                known = target.setdefault(key, [])
                known.extend(item for item in value[key] if item not in known)
    return merged


def entries(*bodies: dict[str, Any]) -> dict[str, Any]:
    """Several bodies as separate entries of one request."""
    return {"object": "whatsapp_business_account",
            "entry": [entry for body in bodies for entry in json.loads(json.dumps(body))["entry"]]}


def signed(body: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The raw bytes Meta would POST and the headers that go with them."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: meta_signature(raw, app_secret)}
