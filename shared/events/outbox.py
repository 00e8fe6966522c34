"""Transactional outbox: messages to publish are committed with the state change.

A use case stages its publications inside its transaction; after the commit
``flush`` publishes them and removes them. A crash in between leaves them in
the store, and the next ``flush`` (a redelivery of the same input, or the
periodic sweep) publishes them: a reply is never lost. Consumers dedupe on the
message ids they carry, so an entry published twice after a crash is harmless.

One flusher at a time per group (conversation) holds a short lease, so that
concurrent turns of one conversation neither publish each other's replies twice
nor out of order. A flusher that finds the lease taken leaves the work to its
holder, who looks again after letting go, so no staged entry waits for the sweep.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.kernel.errors import ConfigurationError
from shared.messages.ids import safe_document_id
from shared.ports.clock import Clock
from shared.ports.document_store import Document, DocumentStore, Filter, Transaction
from shared.ports.event_bus import EventBus
from shared.ports.task_scheduler import ScheduledTask, TaskScheduler

OUTBOX = "outbox"
# The timers-topic message Cloud Scheduler publishes every minute in the cloud (the local stack sweeps on its
# own): run_timer then publishes what a crash left staged.
SWEEP_ACTION = "outbox_sweep"
OUTBOX_LEASES = "outbox_leases"
LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class OutboxEntry:
    """A publication, or (``task`` / ``cancel_task``) a timer to schedule or cancel."""

    key: str  # unique per publication: the same key is the same publication
    topic: str
    data: bytes
    ordering_key: str = ""
    attributes: dict[str, str] | None = None
    task_name: str = ""  # with due_at: schedule ``data`` on ``topic`` under this name
    due_at: str = ""
    cancel_task: str = ""


class Outbox:
    def __init__(self, store: DocumentStore, bus: EventBus, clock: Clock,
                 scheduler: TaskScheduler | None = None) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._scheduler = scheduler

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
                "task_name": entry.task_name,
                "due_at": entry.due_at,
                "cancel_task": entry.cancel_task,
            })

    def flush(self, group: str) -> int:
        """Publish the staged entries of one group, in staging order; returns how many this call published."""
        published = 0
        while True:
            owner = self._acquire(group)
            if owner is None:
                return published
            try:
                while pending := self._pending(group):
                    published += self._publish(pending)
            finally:
                self._release(group, owner)
            if not self._pending(group):
                return published

    def sweep(self, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
        """Publish entries left behind by a crash (staged more than ``older_than`` ago)."""
        cutoff = (self._clock.now() - older_than).isoformat()
        documents = self._store.query(OUTBOX, [Filter("staged_at", "<=", cutoff)], limit=limit)
        return sum(self.flush(group) for group in sorted({d.data["group"] for d in documents}))

    def _require_scheduler(self) -> TaskScheduler:
        if self._scheduler is None:
            raise ConfigurationError("the outbox holds timers but was built without a task scheduler")
        return self._scheduler

    def _pending(self, group: str) -> list[Document]:
        return self._store.query(OUTBOX, [Filter("group", "==", group)])

    def _acquire(self, group: str) -> str | None:
        owner = uuid.uuid4().hex
        now = self._clock.now()

        def take(tx: Transaction) -> bool:
            lease = tx.get(OUTBOX_LEASES, safe_document_id(group))
            if lease is not None and lease["expires_at"] > now.isoformat():
                return False
            tx.set(OUTBOX_LEASES, safe_document_id(group), {"owner": owner, "expires_at": (now + LEASE).isoformat()})
            return True

        return owner if self._store.run_transaction(take) else None

    def _release(self, group: str, owner: str) -> None:
        def let_go(tx: Transaction) -> None:
            lease = tx.get(OUTBOX_LEASES, safe_document_id(group))
            if lease is not None and lease["owner"] == owner:
                tx.delete(OUTBOX_LEASES, safe_document_id(group))

        self._store.run_transaction(let_go)

    def _publish(self, documents: list[Document]) -> int:
        for document in sorted(documents, key=lambda d: (d.data["staged_at"], d.data["position"])):
            entry = document.data
            if entry.get("cancel_task"):
                self._require_scheduler().cancel(entry["cancel_task"])
            elif entry.get("task_name"):
                # A name already taken means this timer was scheduled before a crash: done.
                self._require_scheduler().schedule(ScheduledTask(
                    name=entry["task_name"], topic=entry["topic"], payload=json.loads(entry["data"]),
                    due_at=datetime.fromisoformat(entry["due_at"])))
            else:
                self._bus.publish(entry["topic"], entry["data"].encode(), ordering_key=entry["ordering_key"],
                                  attributes=entry["attributes"])
            self._store.delete(OUTBOX, document.id)
        return len(documents)
