"""The writes retention makes in the document and blob stores, shared by the purge and an erasure.

Reads happen outside transactions, page by page; each page's changes are written in one transaction
(at most a page of documents, within Firestore's 500 writes), and each change is recomputed from the
document as read, so repeating a page changes nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from shared.channels.webchat import replies_collection
from shared.conversations.model import Conversation
from shared.conversations.store_names import mail_blob_key, messages_collection
from shared.ports.blob_store import BlobStore
from shared.ports.document_store import Document, DocumentStore, Filter, Transaction
from shared.retention.contacts import instant_of
from shared.retention.forgetting import message_changes, stored_file, ticket_changes
from shared.retention.model import Counts
from shared.retention.paging import next_page, position_of

# A stored instant that cannot be read counts as old: retention errs on the side of forgetting.
_UNREADABLE = datetime.min.replace(tzinfo=UTC)


def forget_messages(store: DocumentStore, blobs: BlobStore, conversation_id: str, page: Sequence[Document], *,
                    personal_before: datetime | None, files_before: datetime | None, counts: Counts) -> None:
    """Empty the personal content of the page's messages older than ``personal_before`` and delete the
    files of those older than ``files_before`` (None: that policy keeps everything)."""
    updates = []
    for document in page:
        at = instant_of(document.data.get("at")) or _UNREADABLE
        personal = personal_before is not None and at < personal_before
        files = files_before is not None and at < files_before
        blob = stored_file(document.data) if files else ""
        if blob:
            # Before the entry forgets the key: a crash in between leaves the key for the next run.
            blobs.delete(blob)
            counts.files += 1
        changes = message_changes(document.data, personal=personal, files=files)
        if changes:
            updates.append((document.id, changes))
        if personal and message_changes(document.data, personal=True, files=False):
            counts.messages += 1
    if updates:
        collection = messages_collection(conversation_id)

        def write(tx: Transaction) -> None:
            for doc_id, changes in updates:
                tx.update(collection, doc_id, changes)

        store.run_transaction(write)


def forget_conversation(store: DocumentStore, workspace_id: str, conversation_id: str, *,
                        idle_before: datetime) -> bool:
    """Empty the conversation's personal fields if it is still idle since before ``idle_before``."""

    def work(tx: Transaction) -> bool:
        current = Conversation.read(tx, conversation_id)
        if current is None or current.workspace_id != workspace_id:
            return False
        updated = instant_of(current.updated_at) or _UNREADABLE
        forgotten = updated < idle_before and current.forget_personal_details()
        if forgotten:
            current.save(tx)
        return forgotten

    return store.run_transaction(work)


def forget_webchat_replies(store: DocumentStore, conversation_id: str, *, sent_before: datetime | None,
                           page_size: int, counts: Counts) -> bool:
    """Delete one page of the conversation's web chat replies sent before ``sent_before`` (None: all of
    them), in one transaction; True when none is left. A reply is what the bot or an agent said to the
    visitor, kept only until the widget polls it: nothing of it is worth keeping once the policy says so.
    The reply box (``webchat/{conversation}``: counters only) stays, so the widget keeps its place."""
    end = sent_before.astimezone(UTC).isoformat() if sent_before is not None else None
    page = next_page(store, replies_collection(conversation_id), [], "sent_at", size=page_size, end=end)
    if page:
        collection = replies_collection(conversation_id)

        def delete(tx: Transaction) -> None:
            for document in page:
                tx.delete(collection, document.id)

        store.run_transaction(delete)
        counts.webchat_replies += len(page)
    return len(page) < page_size


def forget_emails(blobs: BlobStore, message_ids: Sequence[str], counts: Counts) -> None:
    """Delete the stored emails (recipient, subject, body) the bots sent as these outbound messages."""
    for message_id in message_ids:
        key = mail_blob_key(message_id)
        if blobs.exists(key):
            blobs.delete(key)
            counts.emails += 1


def forget_tickets(store: DocumentStore, collection: str, page: Sequence[Document], counts: Counts) -> None:
    updates = [(d.id, ticket_changes(d.data)) for d in page]
    updates = [(doc_id, changes) for doc_id, changes in updates if changes]
    if not updates:
        return

    def write(tx: Transaction) -> None:
        for doc_id, changes in updates:
            tx.update(collection, doc_id, changes)

    store.run_transaction(write)
    counts.tickets += len(updates)


def every_document(store: DocumentStore, collection: str, filters: Sequence[Filter], field: str,
                   page_size: int) -> Iterator[list[Document]]:
    """All documents of a query, page by page, in (field, id) order."""
    after = None
    while True:
        page = next_page(store, collection, filters, field, size=page_size, after=after)
        if page:
            yield page
        if len(page) < page_size:
            return
        after = position_of(page[-1], field)
