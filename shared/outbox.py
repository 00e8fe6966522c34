"""Transactional outbox: messages to publish are committed with the state change.

A use case stages its publications inside its transaction; after the commit
``flush`` publishes them and removes them. A crash in between leaves them in
the store, and the next ``flush`` (a redelivery of the same input, or the
periodic sweep) publishes them: a reply is never lost. Consumers dedupe on the
message ids they carry, so publishing twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.domain.ids import safe_document_id
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction
from shared.ports.event_bus import EventBus

OUTBOX = "outbox"


@dataclass(frozen=True)
class OutboxEntry:
    key: str  # unique per publication: the same key is the same publication
    topic: str
    data: bytes
    ordering_key: str = ""
    attributes: dict[str, str] | None = None


class Outbox:
    def __init__(self, store: DocumentStore, bus: EventBus, clock: Clock) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock

    def stage(self, tx: Transaction, group: str, entries: list[OutboxEntry]) -> None:
        """Write ``entries`` in ``tx``; ``group`` (a conversation id) is what ``flush`` publishes together."""
        now = self._clock.now().isoformat()
        for position, entry in enumerate(entries):
            tx.set(OUTBOX, safe_document_id(entry.key), {
                "group": group,
                "position": position,
                "staged_at": now,
                "topic": entry.topic,
                "data": entry.data.decode(),
                "ordering_key": entry.ordering_key,
                "attributes": entry.attributes or {},
            })

    def flush(self, group: str) -> int:
        """Publish the staged entries of one group, in staging order; returns how many."""
        documents = self._store.query(OUTBOX, [Filter("group", "==", group)])
        return self._publish(documents)

    def sweep(self, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
        """Publish entries left behind by a crash (staged more than ``older_than`` ago)."""
        cutoff = (self._clock.now() - older_than).isoformat()
        documents = self._store.query(OUTBOX, [Filter("staged_at", "<=", cutoff)], limit=limit)
        return self._publish(documents)

    def _publish(self, documents) -> int:
        ordered = sorted(documents, key=lambda d: (d.data["group"], d.data["staged_at"], d.data["position"]))
        for document in ordered:
            entry = document.data
            self._bus.publish(entry["topic"], entry["data"].encode(), ordering_key=entry["ordering_key"],
                              attributes=entry["attributes"])
            self._store.delete(OUTBOX, document.id)
        return len(ordered)

