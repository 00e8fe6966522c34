"""Finding a contact's conversations, and removing a contact that retention or an erasure lets go.

Decision: a contact not seen since the cutoff is deleted with its index documents, not anonymised. A
contact is nothing but personal data (name, numbers, addresses, variables); an anonymised one could be
neither found, searched nor reached, and would only keep counting as a customer. The exception is a
blacklisted contact: the blacklist exists so that someone who asked never to be contacted is not, and
it works by matching their number or address. Such a contact keeps only that (its phone, addresses,
index keys, consent records and the flag) and loses its name, e-mail, variables, tags and the reason.
An erasure on request deletes even those: the person asked to be forgotten.

"Seen" is the latest of the contact's own changes and of its conversations' activity: the book does not
write to a known contact on each message, its conversations do move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from shared.contacts.model import (
    CONTACT_KEYS,
    CONTACTS,
    PHONE_CHANNELS,
    Contact,
    address_key,
    contact_doc_id,
    key_doc_id,
    normalize_address,
)
from shared.conversations.model import Conversation
from shared.conversations.store_names import CONVERSATIONS
from shared.kernel.errors import InvalidInput
from shared.ports.document_store import Document, DocumentStore, Filter, Transaction

DELETED, ANONYMISED = "deleted", "anonymised"
_ACTIVITY_FIELDS = ("updated_at", "last_message_at", "created_at")


def instant_of(value: Any) -> datetime | None:
    """A stored ISO-8601 instant as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def addresses_of(contact: Contact) -> set[tuple[str, str]]:
    """(channel, address) pairs the contact's conversations may be under: its addresses, and its numbers
    on every phone channel, in the form each of them writes it."""
    pairs = set(contact.addresses.items())
    for phone in contact.phones():
        for channel in PHONE_CHANNELS:
            pairs.add((channel, normalize_address(channel, phone)))
    return pairs


def conversations_of(store: DocumentStore, contact: Contact) -> list[Document]:
    """Every conversation of the contact in its workspace, on any channel account: linked to it, or
    under one of its addresses."""
    workspace = Filter("workspace_id", "==", contact.workspace_id)
    found = {d.id: d for d in store.query(CONVERSATIONS, [workspace, Filter("contact_id", "==", contact.id)])}
    for channel, address in sorted(addresses_of(contact)):
        for document in store.query(CONVERSATIONS, [workspace, Filter("channel", "==", channel),
                                                    Filter("contact", "==", address)]):
            found[document.id] = document
    return [found[k] for k in sorted(found)]


def contact_ids_of_conversation(store: DocumentStore, workspace_id: str, conversation: dict[str, Any]) -> list[str]:
    """The contacts a conversation belongs to: the one it links, and the owner of its address."""
    ids = [conversation["contact_id"]] if conversation.get("contact_id") else []
    channel, address = conversation.get("channel"), conversation.get("contact")
    if isinstance(channel, str) and isinstance(address, str) and address:
        try:
            key = address_key(channel, address)
        except InvalidInput:  # not a channel name the book knows: no contact can own it
            key = ""
        owner = store.get(CONTACT_KEYS, key_doc_id(workspace_id, key)) if key else None
        if owner and owner.get("workspace_id") == workspace_id and owner.get("contact_id"):
            ids.append(owner["contact_id"])
    return list(dict.fromkeys(ids))


def last_seen(contact_data: dict[str, Any], conversations: Iterable[dict[str, Any] | None]) -> datetime | None:
    moments = [instant_of(contact_data.get(f)) for f in ("updated_at", "created_at")]
    moments += [instant_of(c.get(f)) for c in conversations if c for f in _ACTIVITY_FIELDS]
    return max(filter(None, moments), default=None)


def remove_contact(store: DocumentStore, workspace_id: str, contact_id: str, conversation_ids: Sequence[str], *,
                   not_seen_since: datetime | None = None, keep_blacklist: bool = True) -> str:
    """Delete the contact, its index documents and its conversations' link to it, in one transaction;
    or, for a blacklisted contact with ``keep_blacklist``, keep only what the blacklist needs. With
    ``not_seen_since``, nothing happens if the contact or one of ``conversation_ids`` was active since.
    Returns DELETED, ANONYMISED or "" (nothing to do)."""

    def work(tx: Transaction) -> str:
        doc_id = contact_doc_id(workspace_id, contact_id)
        data = tx.get(CONTACTS, doc_id)
        if data is None or data.get("workspace_id") != workspace_id or data.get("id") != contact_id:
            return ""
        contact = Contact.from_dict(data)
        owners = {key: tx.get(CONTACT_KEYS, key_doc_id(workspace_id, key)) for key in contact.index_keys()}
        conversations = {cid: Conversation.read(tx, cid) for cid in conversation_ids}
        seen = last_seen(data, (c.to_document() for c in conversations.values() if c is not None))
        if not_seen_since is not None and seen is not None and seen >= not_seen_since:
            return ""
        if keep_blacklist and contact.blacklisted and (contact.phone or contact.addresses):
            kept = replace(contact, name="", email="", variables={}, tags=(), blacklist_reason="", agent="")
            if kept.to_dict() == contact.to_dict():
                return ""
            tx.set(CONTACTS, doc_id, kept.to_dict())
            return ANONYMISED
        tx.delete(CONTACTS, doc_id)
        for key, owner in owners.items():
            if owner is not None and owner.get("contact_id") == contact_id:
                tx.delete(CONTACT_KEYS, key_doc_id(workspace_id, key))
        for conversation in conversations.values():
            if conversation is not None and conversation.unlink_contact(contact_id):
                conversation.save(tx)
        return DELETED

    return store.run_transaction(work)
