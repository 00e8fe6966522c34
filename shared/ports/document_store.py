"""Document store port: JSON documents in collections, transactions, queries.

Documents are plain JSON-compatible dicts (str, int, float, bool, None, lists,
nested dicts). Instants are stored as ISO-8601 UTC strings so that they sort and
compare the same way on every backend.

Collections are slash paths, as in Firestore: ``conversations`` or
``conversations/c1/messages`` (a sub-collection of document ``c1``).

Transactions give serializable read-modify-write: ``run_transaction(fn)`` calls
``fn(tx)`` and commits its writes atomically; if a concurrent writer changed a
document that ``fn`` read, the whole function is run again (so ``fn`` must have
no side effects outside ``tx``). Inside a transaction all reads come before the
first write, as Firestore requires; adapters enforce that rule everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")

# A top-level instant (ISO text) after which the store may delete the document (Firestore: its TTL policy,
# the adapter storing the field as a Timestamp); stores without expiry keep it as plain data.
EXPIRES_AT = "expires_at"

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "in", "array_contains"]
OPERATORS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "array_contains")


def check_collection_path(collection: str) -> None:
    """Firestore's path rule, kept by every adapter: 'name' or 'name/doc/name...'."""
    segments = collection.split("/")
    if not collection or any(not s for s in segments) or len(segments) % 2 == 0:
        raise ValueError(
            f"collection path {collection!r} must be 'name' or 'name/doc/name...' (an odd number of segments)"
        )


def check_document_id(doc_id: str) -> None:
    if not doc_id or "/" in doc_id:
        raise ValueError(f"document id {doc_id!r} must be non-empty and contain no '/'")


@dataclass(frozen=True)
class Filter:
    """``field`` (dotted path into the document) ``op`` ``value``."""

    field: str
    op: Operator
    value: Any

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"unknown filter operator {self.op!r}; expected one of {OPERATORS}")


@dataclass(frozen=True)
class Document:
    id: str
    data: dict[str, Any]


class Transaction(Protocol):
    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None: ...

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        """Create or replace the whole document."""
        ...

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        """Create the document; the commit fails with AlreadyExists if it is there."""
        ...

    def update(self, collection: str, doc_id: str, changes: dict[str, Any]) -> None:
        """Merge top-level fields into an existing document (NotFound at commit if absent)."""
        ...

    def delete(self, collection: str, doc_id: str) -> None: ...


class DocumentStore(Protocol):
    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None: ...

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None: ...

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> bool:
        """Conditional write: store ``data`` only if the id is free; True if it was written."""
        ...

    def delete(self, collection: str, doc_id: str) -> None: ...

    def query(
        self,
        collection: str,
        filters: Sequence[Filter] = (),
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Document]: ...

    def run_transaction(self, fn: Callable[[Transaction], T]) -> T: ...

    def close(self) -> None: ...
