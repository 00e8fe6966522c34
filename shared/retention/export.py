"""Everything held about one contact (right of access), as one JSON-ready document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.agents.model import TICKETS
from shared.channels.email import CHANNEL as EMAIL_CHANNEL
from shared.channels.webchat import replies_collection
from shared.contacts.book import ContactBook
from shared.conversations.store_names import mail_blob_key, messages_collection
from shared.ports.document_store import Filter
from shared.retention import history_rows
from shared.retention.contacts import conversations_of
from shared.retention.forgetting import stored_file
from shared.retention.model import RetentionDeps
from shared.retention.sweep import every_document

PAGE = 200


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_contact(deps: RetentionDeps, workspace_id: str, contact_id: str) -> dict[str, Any]:
    """The contact record; its conversations with their message logs and the web chat replies waiting for
    them; their tickets; their warehouse rows, table by table; the keys of the media files stored for them
    and of the emails the bots sent in them (and whether each is still there). NotFound if the workspace
    has no such contact."""
    store = deps.store
    found = ContactBook(store, deps.clock).get(workspace_id, contact_id)
    contact = found.to_dict()
    contact.pop("search_terms", None)  # derived from the name and numbers, for queries only
    conversations, messages, replies, tickets, files, emails = [], {}, {}, [], [], []
    warehouse: dict[str, list[dict[str, Any]]] = {}
    for conversation in conversations_of(store, found):
        conversations.append({"id": conversation.id, **conversation.data})
        logged = [{"id": d.id, **d.data} for page in every_document(
            store, messages_collection(conversation.id), [], "at", PAGE) for d in page]
        messages[conversation.id] = logged
        waiting = [{"message_id": d.id, **d.data} for page in every_document(
            store, replies_collection(conversation.id), [], "sent_at", PAGE) for d in page]
        if waiting:
            replies[conversation.id] = waiting
        files += [key for key in (stored_file(entry) for entry in logged) if key]
        filters = [Filter("workspace_id", "==", workspace_id), Filter("conversation_id", "==", conversation.id)]
        tickets += [{"id": d.id, **d.data} for page in every_document(store, TICKETS, filters, "created_at", PAGE)
                    for d in page]
        for table, rows in history_rows.rows_of_conversation(deps.warehouse, workspace_id, conversation.id).items():
            warehouse.setdefault(table, []).extend(rows)
            if table == "messages":
                emails += [mail_blob_key(row["message_id"]) for row in rows if row.get("channel") == EMAIL_CHANNEL]
    return _jsonable({
        "workspace_id": workspace_id,
        "contact_id": contact_id,
        "exported_at": deps.clock.now(),
        "contact": contact,
        "conversations": conversations,
        "messages": messages,
        "webchat_replies": replies,
        "tickets": tickets,
        "warehouse": warehouse,
        "files": [{"key": key, "stored": deps.blobs.exists(key)} for key in files],
        "emails": [{"key": key, "stored": deps.blobs.exists(key)} for key in emails],
    })
