"""A contact's erasure on request (right to be forgotten), with the purge's machinery, whatever the age.

What goes, for the contact's conversations (linked to it, or under one of its addresses or numbers):
the personal content of every message log entry and every media file; the tickets' contact address;
the web chat replies waiting for the visitor's widget; the emails the bots sent; the conversation
documents themselves (their name, variables and the address they route by: a customer who writes again
starts a new conversation and a new contact); the warehouse's message texts;
and last the contact with its index documents, even if blacklisted (the person asked to be forgotten).
The message log entries stay, emptied, like the purge leaves them: what was exchanged and when, not what.

Warehouse rows still in BigQuery's streaming buffer (younger than STREAMING_BUFFER_HOLD) cannot be changed
yet: they are reported as pending, and a marker (written first, so a failed erasure leaves it too) makes
the next purge runs clear them; the marker goes once the buffer cannot hold any row from before the
erasure. Running the erasure again after a failure finishes it (the contact is deleted last).

Composite index the ticket query needs in production Firestore: tickets (workspace_id, conversation_id,
created_at); export_contact uses it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.agents.model import TICKETS
from shared.channels.webchat import replies_collection
from shared.contacts.book import ContactBook
from shared.contacts.model import CONTACT_KEYS, CONTACTS
from shared.conversations.store_names import CONVERSATIONS, mail_blob_key, media_blob_prefix, messages_collection
from shared.events import topics
from shared.history.records import event_record
from shared.kernel.errors import TransientError
from shared.kernel.logs import log
from shared.messages.ids import safe_document_id
from shared.ports.document_store import Filter
from shared.ports.warehouse import STREAMING_BUFFER_HOLD
from shared.retention import history_rows
from shared.retention.contacts import DELETED, conversations_of, remove_contact
from shared.retention.model import ERASURE_FUNCTION, PENDING_ERASURES, Counts, ErasureReport, RetentionDeps
from shared.retention.sweep import (
    every_document,
    forget_emails,
    forget_messages,
    forget_tickets,
    forget_webchat_replies,
)

PAGE = 100
# The stores of the inventory (shared/retention/personal_data.py) an erasure goes through; its test holds
# this to every conversation and contact store that can hold personal data.
REACHES = (CONVERSATIONS, messages_collection("{conversation}"), replies_collection("{conversation}"),
           TICKETS, media_blob_prefix("{workspace}", "{conversation}"), mail_blob_key("{message}"),
           *history_rows.PERSONAL_COLUMNS, CONTACTS, CONTACT_KEYS)
_EVERYTHING = datetime.max.replace(tzinfo=UTC)


def pending_erasure_id(workspace_id: str, contact_id: str) -> str:
    return safe_document_id(f"{workspace_id}:{contact_id}")


def erase_contact(deps: RetentionDeps, workspace_id: str, contact_id: str) -> ErasureReport:
    """Forget one contact everywhere; NotFound if the workspace has no such contact."""
    store = deps.store
    contact = ContactBook(store, deps.clock).get(workspace_id, contact_id)
    now = deps.clock.now().astimezone(UTC)
    conversation_ids = [d.id for d in conversations_of(store, contact)]
    store.set(PENDING_ERASURES, pending_erasure_id(workspace_id, contact_id), {
        "workspace_id": workspace_id, "contact_id": contact_id, "conversation_ids": conversation_ids,
        "erased_at": now.isoformat(),
    })
    counts = Counts()
    for conversation_id in conversation_ids:
        for page in every_document(store, messages_collection(conversation_id), [], "at", PAGE):
            forget_messages(store, deps.blobs, conversation_id, page, personal_before=_EVERYTHING,
                            files_before=_EVERYTHING, counts=counts)
        tickets = [Filter("workspace_id", "==", workspace_id), Filter("conversation_id", "==", conversation_id)]
        for page in every_document(store, TICKETS, tickets, "created_at", PAGE):
            forget_tickets(store, TICKETS, page, counts)
        while not forget_webchat_replies(store, conversation_id, sent_before=None, page_size=PAGE, counts=counts):
            pass
        _forget_emails(deps, workspace_id, conversation_id, counts)
        if store.get(CONVERSATIONS, conversation_id) is not None:
            store.delete(CONVERSATIONS, conversation_id)
            counts.conversations += 1
    _clear_warehouse(deps, workspace_id, conversation_ids, now, counts)
    counts.erasures_pending = 1  # the marker stays until no row from before now can be in the buffer
    if remove_contact(store, workspace_id, contact_id, conversation_ids, keep_blacklist=False) == DELETED:
        counts.contacts_deleted += 1
    deps.bus.publish(topics.HISTORY, event_record(
        key=f"contact_erased:{workspace_id}:{contact_id}:{now.isoformat()}", type="contact_erased",
        workspace_id=workspace_id, occurred_at=now, function=ERASURE_FUNCTION,
        detail={**counts.by_store(), "contact_id": contact_id}).to_json())
    return ErasureReport(workspace_id=workspace_id, contact_id=contact_id, counts=counts)


def _forget_emails(deps: RetentionDeps, workspace_id: str, conversation_id: str, counts: Counts) -> None:
    try:
        sent = history_rows.email_message_ids(deps.warehouse, workspace_id, conversation_id=conversation_id)
    except TransientError as exc:  # running the erasure again finishes it
        log("WARNING", "erasure: the emails the bots sent could not be found for now", function=ERASURE_FUNCTION,
            workspace_id=workspace_id, conversation_id=conversation_id, reason=str(exc)[:300])
        return
    forget_emails(deps.blobs, sent, counts)


def _clear_warehouse(deps: RetentionDeps, workspace_id: str, conversation_ids: list[str], now: datetime,
                     counts: Counts) -> None:
    buffer_limit = now - STREAMING_BUFFER_HOLD
    for conversation_id in conversation_ids:
        try:
            counts.warehouse_rows += history_rows.clear_conversation(
                deps.warehouse, workspace_id, conversation_id, through=now, before=buffer_limit)
        except TransientError as exc:
            log("WARNING", "erasure: warehouse rows left for the purge", function=ERASURE_FUNCTION,
                workspace_id=workspace_id, conversation_id=conversation_id, reason=str(exc)[:300])
        counts.warehouse_left += history_rows.count_conversation(deps.warehouse, workspace_id, conversation_id,
                                                                 through=now)
