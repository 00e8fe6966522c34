"""Reading a collection in bounded pages that a later call can resume, whatever the backend.

Pages are ordered by one field and then by document id, as both stores order ties; a position is the
(field value, id) of the last document handled. The store's query has no "start after this document",
so a page asks for values from the position's on and drops what is not strictly after it; ties wider
than a page make it ask again for more, so a page always moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.ports.document_store import Document, DocumentStore, Filter

Position = tuple[str, str]  # (value of the ordering field, document id) of the last document handled


def position_of(document: Document, field: str) -> Position:
    return (str(document.data.get(field, "")), document.id)


def next_page(store: DocumentStore, collection: str, filters: Sequence[Filter], field: str, *,
              size: int, after: Sequence[str] | None = None, start: str | None = None,
              end: str | None = None) -> list[Document]:
    """Up to ``size`` documents with ``start <= field < end`` (each bound optional), strictly after
    ``after``, in (field, id) order. Documents without the field are not read (Firestore skips them)."""
    last = (str(after[0]), str(after[1])) if after else None
    low = max(filter(None, (start, last[0] if last else None)), default=None)
    bounds = list(filters)
    if low is not None:
        bounds.append(Filter(field, ">=", low))
    if end is not None:
        bounds.append(Filter(field, "<", end))
    limit = size
    while True:
        documents = store.query(collection, bounds, order_by=field, limit=limit)
        fresh = [d for d in documents if last is None or position_of(d, field) > last]
        if fresh or len(documents) < limit:
            return fresh[:size]
        limit *= 2
