"""What forgetting does to each kind of document: the changes, computed from the stored document.

Each function returns only the fields that change, so that a document already forgotten gives no
change: that is what makes a second purge change nothing.

- Message log entries keep what the statistics and the console's timeline need (direction,
  sender_type, kind, at, session, intent, status...); their text becomes "" and their payload {}
  (links, locations, shared contacts, quoted texts and media details are the customer's). A media
  file still kept keeps the reference to it (its key, type and size), so that the files policy or an
  erasure can still find it: the blob store cannot be listed, the message log is its index.
- A file deleted leaves ``payload.media.file_purged`` so the console can say why it is gone.
- Conversations lose the name the channel gave and the bot's variables (answers to its questions): the
  conversation's own verbs say so (shared.conversations.model: forget_personal_details, unlink_contact).
- Tickets lose the contact's address.
"""

from __future__ import annotations

from typing import Any

# What a message's payload keeps of its media once the text and payload are forgotten.
MEDIA_KEPT = ("blob", "mime_type", "size", "file_purged")


def _media(entry: dict[str, Any]) -> dict[str, Any] | None:
    payload = entry.get("payload")
    media = payload.get("media") if isinstance(payload, dict) else None
    return media if isinstance(media, dict) else None


def stored_file(entry: dict[str, Any]) -> str:
    """The blob key of the message's media copy, "" when it has none (or it was deleted)."""
    media = _media(entry)
    blob = media.get("blob") if media else None
    return blob if isinstance(blob, str) else ""


def message_changes(entry: dict[str, Any], *, personal: bool, files: bool) -> dict[str, Any]:
    """Top-level fields of a message log entry to write: the file's reference dropped (``files``; the
    caller deletes the blob first) and the personal content emptied (``personal``)."""
    payload = entry.get("payload") if isinstance(entry.get("payload"), dict) else {}
    new_payload = dict(payload)
    media = _media(entry)
    if files and media and stored_file(entry):
        new_payload["media"] = {**{k: v for k, v in media.items() if k != "blob"}, "file_purged": True}
    if personal:
        kept = {k: v for k, v in (new_payload.get("media") or {}).items() if k in MEDIA_KEPT}
        new_payload = {"media": kept} if kept else {}
    changes: dict[str, Any] = {}
    if personal and entry.get("text"):
        changes["text"] = ""
    if new_payload != (entry.get("payload") or {}):
        changes["payload"] = new_payload
    return changes


def ticket_changes(ticket: dict[str, Any]) -> dict[str, Any]:
    return {"contact": ""} if ticket.get("contact") else {}
