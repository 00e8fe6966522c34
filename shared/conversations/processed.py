"""The processed marker: what makes a use case run once per message or task, in the transaction of its work.

A marker ``{function}:{key}`` (the message's or the task's id) is written with the work it guards; a
redelivery finds it and does nothing. Firestore's TTL deletes it long after any redelivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.conversations.store_names import PROCESSED, marker_expiry
from shared.messages.ids import safe_document_id

if TYPE_CHECKING:
    from shared.ports.document_store import DocumentStore, Transaction


def marker_id(function: str, key: str) -> str:
    """The marker of ``function`` having handled ``key`` (a message id, a task name)."""
    return safe_document_id(f"{function}:{key}")


def already_processed(tx: Transaction | DocumentStore, marker: str) -> bool:
    return tx.get(PROCESSED, marker) is not None


def mark_processed(tx: Transaction | DocumentStore, marker: str, conversation_id: str, now: datetime) -> None:
    tx.set(PROCESSED, marker, {"at": now.isoformat(), "expires_at": marker_expiry(now),
                               "conversation_id": conversation_id})
