"""The contact book of the agent console: create, edit, merge, search, opt-in and blacklist.

Every change of a contact and of the keys that say who owns a number or address
(shared/contacts/model.py) is one transaction, so two contacts can never claim the
same phone or channel address of a workspace, even when two agents save at once.

Composite indexes these queries need in production Firestore (the emulator needs none):
``contacts``: (workspace_id ==, search_terms array-contains) and (workspace_id ==, created_at).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.contacts.model import (
    CONTACT_KEYS,
    CONTACTS,
    EDITABLE,
    PHONE_CHANNELS,
    Contact,
    DuplicateContact,
    InvalidContactField,
    address_key,
    check_channel,
    contact_doc_id,
    display_name,
    fold,
    instant,
    key_doc_id,
    merged,
    new_contact_id,
    normalize_address,
    normalize_phone,
    opt_in_entry,
    phone_key,
    phone_of_address,
    query_terms,
)
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction

MAX_SEARCH_RESULTS = 200
# A search of several words asks the store for the first word's matches and keeps those
# holding every other word; this bounds what one such search reads.
_SEARCH_SCAN = 1000


def _editable(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidContactField(unknown[0], f"is not a contact field one can set; expected {', '.join(EDITABLE)}")
    return fields


def _not_found(workspace_id: str, contact_id: str) -> NotFound:
    return NotFound(f"contact {contact_id!r} of workspace {workspace_id!r} does not exist")


def _contact(data: dict[str, Any] | None, workspace_id: str, contact_id: str | None = None) -> Contact | None:
    """A stored contact, only if it is the workspace's (ids are derived from both, this double-checks)."""
    if data is None or data.get("workspace_id") != workspace_id or (contact_id and data.get("id") != contact_id):
        return None
    return Contact.from_dict(data)


def _owner(data: dict[str, Any] | None, workspace_id: str) -> str | None:
    if data is None or data.get("workspace_id") != workspace_id:
        return None
    return data.get("contact_id")


class ContactBook:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- reads ---------------------------------------------------------------

    def get(self, workspace_id: str, contact_id: str) -> Contact:
        contact = _contact(self._store.get(CONTACTS, contact_doc_id(workspace_id, contact_id)), workspace_id,
                           contact_id)
        if contact is None:
            raise _not_found(workspace_id, contact_id)
        return contact

    def find_by_address(self, workspace_id: str, channel: str, address: str) -> Contact | None:
        """The contact a channel address belongs to; on phone channels, also the one with that phone."""
        return self._by_key(workspace_id, address_key(channel, address))

    def find_by_phone(self, workspace_id: str, phone: str) -> Contact | None:
        return self._by_key(workspace_id, phone_key(normalize_phone(phone)))

    def is_blacklisted(self, workspace_id: str, channel: str, address: str) -> bool:
        """Whether nothing may be sent to this address: one index read, then one contact read."""
        contact = self.find_by_address(workspace_id, channel, address)
        return contact is not None and contact.blacklisted

    def search(self, workspace_id: str, text: str, limit: int = 50) -> list[Contact]:
        """Contacts whose name words start with every word typed, or whose numbers hold the digits typed
        (4 or more, spaces and signs ignored), or whose e-mail is the one typed; accents and case
        ignored. Ordered by name."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SEARCH_RESULTS:
            raise InvalidInput(f"limit: must be a whole number from 1 to {MAX_SEARCH_RESULTS}, got {limit!r}")
        terms = query_terms(text) if isinstance(text, str) else []
        if not terms:
            raise InvalidInput(f"text: type at least 2 letters of a name or 4 digits of a number, got {text!r}")
        anchor = max(terms, key=len)
        rest = [t for t in terms if t != anchor]
        docs = self._store.query(
            CONTACTS,
            [Filter("workspace_id", "==", workspace_id), Filter("search_terms", "array_contains", anchor)],
            limit=_SEARCH_SCAN if rest else limit,
        )
        found = [c for c in (_contact(d.data, workspace_id) for d in docs)
                 if c is not None and all(t in c.search_terms for t in rest)]
        return sorted(found, key=lambda c: (fold(c.name), c.id))[:limit]

    def list(self, workspace_id: str, since: datetime | None = None) -> list[Contact]:
        """Every contact of the workspace, oldest first; with ``since``, those created at or after it
        (the console's "last month" export)."""
        filters = [Filter("workspace_id", "==", workspace_id)]
        if since is not None:
            if since.tzinfo is None:
                raise InvalidInput("since: must be a timezone-aware instant")
            filters.append(Filter("created_at", ">=", instant(since)))
        docs = self._store.query(CONTACTS, filters, order_by="created_at")
        return [c for c in (_contact(d.data, workspace_id) for d in docs) if c is not None]

    # -- changes -------------------------------------------------------------

    def create(self, workspace_id: str, /, **fields: Any) -> Contact:
        """A new contact; DuplicateContact (an AlreadyExists) if its phone or an address is another's."""
        now = instant(self._clock.now())
        contact = Contact(id=new_contact_id(), workspace_id=workspace_id, created_at=now, updated_at=now,
                          **_editable(fields))

        def work(tx: Transaction) -> Contact:
            self._claim(tx, contact, contact.index_keys())
            tx.create(CONTACTS, contact_doc_id(workspace_id, contact.id), contact.to_dict())
            self._write_keys(tx, contact, contact.index_keys())
            return contact

        return self._store.run_transaction(work)

    def update(self, workspace_id: str, contact_id: str, /, **changes: Any) -> Contact:
        """Replace the fields given (see EDITABLE); the others keep their values."""
        _editable(changes)
        return self._edit(workspace_id, contact_id, lambda _: changes)

    def set_opt_in(self, workspace_id: str, contact_id: str, channel: str, granted: bool, source: str) -> Contact:
        """Record the contact's consent (or its withdrawal) for one channel, stamped now."""
        check_channel(channel)

        def change(contact: Contact) -> dict[str, Any]:
            entry = opt_in_entry(granted, instant(self._clock.now()), source, f"opt_in.{channel}")
            return {"opt_in": {**contact.opt_in, channel: entry}}

        return self._edit(workspace_id, contact_id, change)

    def set_blacklisted(self, workspace_id: str, contact_id: str, blacklisted: bool, reason: str = "") -> Contact:
        return self._edit(workspace_id, contact_id,
                          lambda _: {"blacklisted": blacklisted, "blacklist_reason": reason if blacklisted else ""})

    def delete(self, workspace_id: str, contact_id: str) -> None:
        """Remove the contact and free its numbers and addresses; NotFound if it is not there."""

        def work(tx: Transaction) -> None:
            contact = self._read(tx, workspace_id, contact_id)
            tx.delete(CONTACTS, contact_doc_id(workspace_id, contact_id))
            for key in contact.index_keys():
                tx.delete(CONTACT_KEYS, key_doc_id(workspace_id, key))

        self._store.run_transaction(work)

    def merge(self, workspace_id: str, keep_id: str, other_id: str) -> Contact:
        """Fold ``other`` into ``keep`` (rules: model.merged) and delete it, in one transaction."""
        if keep_id == other_id:
            raise InvalidInput(f"other_id: a contact cannot be merged with itself ({keep_id!r})")

        def work(tx: Transaction) -> Contact:
            keep = self._read(tx, workspace_id, keep_id)
            other = self._read(tx, workspace_id, other_id)
            result = merged(keep, other, instant(self._clock.now()))
            tx.set(CONTACTS, contact_doc_id(workspace_id, keep_id), result.to_dict())
            tx.delete(CONTACTS, contact_doc_id(workspace_id, other_id))
            for key in (keep.index_keys().keys() | other.index_keys().keys()) - result.index_keys().keys():
                tx.delete(CONTACT_KEYS, key_doc_id(workspace_id, key))
            moved = {k: f for k, f in result.index_keys().items() if k not in keep.index_keys()}
            self._write_keys(tx, result, moved, overwrite=True)
            return result

        return self._store.run_transaction(work)

    def record_seen(self, workspace_id: str, channel: str, address: str, name: str = "",
                    at: datetime | None = None) -> Contact:
        """The contact behind a customer's message, created on their first one (idempotent).

        A new contact gets the address, the name the channel gave, and for WhatsApp and Twilio the
        number as its phone. A known one gets the address if it was known only by its phone, and
        the name if it had none; otherwise nothing is written. InvalidInput if the address cannot
        be one of that channel (e.g. a WhatsApp address that is no number).
        """
        if at is not None and at.tzinfo is None:
            raise InvalidInput("at: must be a timezone-aware instant")
        normalized = normalize_address(check_channel(channel), address)
        name = display_name(name)
        key = address_key(channel, normalized)
        known = self._by_key(workspace_id, key)
        if known is not None and not self._seen_changes(known, channel, normalized, name):
            return known  # the usual case: two reads, no write

        def work(tx: Transaction) -> Contact:
            moment = instant(at or self._clock.now())
            owner = _owner(tx.get(CONTACT_KEYS, key_doc_id(workspace_id, key)), workspace_id)
            current = _contact(tx.get(CONTACTS, contact_doc_id(workspace_id, owner)), workspace_id,
                               owner) if owner else None
            if current is not None:
                changes = self._seen_changes(current, channel, normalized, name)
                if not changes:
                    return current
                contact = replace(current, **changes, updated_at=instant(self._clock.now()))
                tx.set(CONTACTS, contact_doc_id(workspace_id, contact.id), contact.to_dict())
                return contact
            phone = phone_of_address(normalized) if channel in PHONE_CHANNELS else ""
            contact = Contact(id=new_contact_id(), workspace_id=workspace_id, name=name, phone=phone,
                              addresses={channel: normalized}, created_at=moment, updated_at=moment)
            tx.create(CONTACTS, contact_doc_id(workspace_id, contact.id), contact.to_dict())
            # A key left pointing at no contact must not lock this customer out for good: take it over.
            self._write_keys(tx, contact, contact.index_keys(), overwrite=owner is not None)
            return contact

        try:
            return self._store.run_transaction(work)
        except AlreadyExists:
            # A concurrent first message created it between our read and our commit: it is there now.
            return self._store.run_transaction(work)

    # -- internals -----------------------------------------------------------

    @staticmethod
    def _seen_changes(contact: Contact, channel: str, address: str, name: str) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if channel not in contact.addresses:
            changes["addresses"] = {**contact.addresses, channel: address}
        if name and not contact.name:
            changes["name"] = name
        return changes

    def _by_key(self, workspace_id: str, key: str) -> Contact | None:
        owner = _owner(self._store.get(CONTACT_KEYS, key_doc_id(workspace_id, key)), workspace_id)
        if owner is None:
            return None
        return _contact(self._store.get(CONTACTS, contact_doc_id(workspace_id, owner)), workspace_id, owner)

    @staticmethod
    def _read(tx: Transaction, workspace_id: str, contact_id: str) -> Contact:
        contact = _contact(tx.get(CONTACTS, contact_doc_id(workspace_id, contact_id)), workspace_id, contact_id)
        if contact is None:
            raise _not_found(workspace_id, contact_id)
        return contact

    @staticmethod
    def _claim(tx: Transaction, contact: Contact, keys: dict[str, str]) -> None:
        """Refuse keys another contact of the workspace owns (reads only: call before any write)."""
        for key, field in keys.items():
            owner = _owner(tx.get(CONTACT_KEYS, key_doc_id(contact.workspace_id, key)), contact.workspace_id)
            if owner is not None and owner != contact.id:
                raise DuplicateContact(field, contact.value_of(field), owner)

    @staticmethod
    def _write_keys(tx: Transaction, contact: Contact, keys: dict[str, str], *, overwrite: bool = False) -> None:
        for key in keys:
            data = {"workspace_id": contact.workspace_id, "key": key, "contact_id": contact.id}
            if overwrite:
                tx.set(CONTACT_KEYS, key_doc_id(contact.workspace_id, key), data)
            else:
                tx.create(CONTACT_KEYS, key_doc_id(contact.workspace_id, key), data)

    def _edit(self, workspace_id: str, contact_id: str, changes_of: Callable[[Contact], dict[str, Any]]) -> Contact:
        def work(tx: Transaction) -> Contact:
            current = self._read(tx, workspace_id, contact_id)
            updated = replace(current, **changes_of(current), updated_at=instant(self._clock.now()))
            before, after = current.index_keys(), updated.index_keys()
            added = {k: f for k, f in after.items() if k not in before}
            self._claim(tx, updated, added)
            tx.set(CONTACTS, contact_doc_id(workspace_id, contact_id), updated.to_dict())
            for key in before.keys() - after.keys():
                tx.delete(CONTACT_KEYS, key_doc_id(workspace_id, key))
            self._write_keys(tx, updated, added)
            return updated

        return self._store.run_transaction(work)
