"""The shapes every provider integration speaks: what a webhook request told us, and the API calls
that deliver a reply. Each provider module (whatsapp, meta_messaging, telegram, twilio) turns its
own documented formats into these and back; everything after the edge is provider-neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# Kinds of inbound event. Button, list, quick-reply, postback and callback-query replies are all
# "button"; media kinds carry payload["media"]; "status" reports on a message we sent.
INBOUND_KINDS = (
    "text", "button", "image", "audio", "voice", "video", "document", "sticker", "location", "contacts",
    "reaction", "edit", "status", "unsupported",
)
MEDIA_KINDS = ("image", "audio", "voice", "video", "document", "sticker")
# Recorded in the conversation and the history, never answered by the bot.
SILENT_KINDS = ("reaction", "edit", "status")
STATUSES = ("sent", "delivered", "read", "failed")


@dataclass(frozen=True)
class ProviderEvent:
    """One thing a provider's webhook request reported (a request may carry several).

    payload, by kind (keys not listed are absent, never None):
      button      {"id": the id/payload/callback data we sent with the option, "title": its label,
                   "source": "button" | "list" | "quick_reply" | "postback" | "callback_query"}; text = title
      media kinds {"media": {"id": provider media id, or "url": where to fetch it, "mime_type",
                   "filename", "sha256", "size"}}; text = caption
      location    {"latitude": float, "longitude": float, "name", "address", "url"}
      contacts    {"contacts": [{"name": str, "phones": [str], "emails": [str]}]}
      reaction    {"emoji": str ("" when removed), "reacted_to": provider id of the message}
      edit        {"edited_message_id": provider id of the original}; text = the new text
      status      {"status": one of STATUSES, "refers_to": provider id of our message,
                   "error": reason when failed}
      unsupported {"raw_type": the provider's own type name}
    Any kind may also carry "reply_to" (provider id of the quoted message), "referral" (the ad or
    post that started the chat: source_url, source_type, source_id, headline, body, ctwa_clid...),
    "status_reply" (a WhatsApp reply to a status), "forwarded" (bool).
    """

    account: str  # the business account written to: phone_number_id, Page id, IG account id, bot id, 'To' number
    contact: str  # the customer's id on the provider: wa_id, PSID, IGSID, Telegram chat id, phone number
    provider_message_id: str  # unique per event; for statuses, f"{refers_to}:{status}"
    kind: str
    text: str = ""
    contact_name: str = ""
    occurred_at: str = ""  # ISO 8601, timezone-aware UTC, from the provider's timestamp when it gives one
    payload: dict[str, Any] = field(default_factory=dict)
    # Only when one webhook serves several channels (Twilio: "twilio_sms" or "twilio_whatsapp").
    channel: str = ""


@dataclass(frozen=True)
class ApiCall:
    """One request to a provider API, relative to the account's API root, which the sender owns
    together with the credentials: Graph API ``{base}/{account}/``, Telegram ``{base}/bot{token}/``,
    Twilio ``{base}/2010-04-01/Accounts/{sid}/``."""

    path: str  # "messages", "sendMessage", "Messages.json"
    json: dict[str, Any] | None = None
    form: list[tuple[str, str]] | None = None  # form-encoded bodies (Twilio), in order, keys may repeat


@dataclass(frozen=True)
class ErrorDisposition:
    """How to treat a provider's error answer."""

    transient: bool  # retry later (rate limits, 5xx, throttling codes); False: this message will never go
    reason: str  # names the provider's code and message, for the failed-delivery event and logs
    retry_after_s: float | None = None  # the provider's own hint (Retry-After, retry_after), if any


def retry_after_header(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from an HTTP Retry-After header (delta-seconds or an HTTP date), if any."""
    raw = next((str(v) for k, v in headers.items() if str(k).lower() == "retry-after"), "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
