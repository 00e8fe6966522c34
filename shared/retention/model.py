"""What retention works on (its ports), where it keeps its own records, and what it reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.event_bus import EventBus
from shared.ports.warehouse import Warehouse
from shared.workspaces.directory import WorkspaceDirectory

# Per workspace: up to which instants the last finished purge cleared each store ("watermarks"), so that
# a daily run reads only what aged past the policy since the run before instead of the whole history.
RETENTION_STATE = "retention_state"
# Erasures whose warehouse rows were still in BigQuery's streaming buffer: the next purge runs finish them.
PENDING_ERASURES = "retention_pending_erasures"

PURGE_FUNCTION = "retention_purge"
ERASURE_FUNCTION = "console_api"


class RetentionDeps(Protocol):
    """The ports retention works with; the composition root's platform satisfies it."""

    @property
    def store(self) -> DocumentStore: ...

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def warehouse(self) -> Warehouse: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def directory(self) -> WorkspaceDirectory: ...


@dataclass
class Counts:
    """What one workspace's purge (or one erasure) changed, store by store."""

    # Document store.
    messages: int = 0  # message log entries whose text and payload were emptied
    conversations: int = 0  # conversations whose contact name and bot variables were emptied (erasure: deleted)
    tickets: int = 0  # tickets whose contact address was emptied
    webchat_replies: int = 0  # web chat replies deleted
    contacts_deleted: int = 0  # with their index documents
    contacts_anonymised: int = 0  # blacklisted contacts kept with only what the blacklist needs
    # Blob store.
    files: int = 0  # media files deleted
    emails: int = 0  # stored emails the bots sent, deleted
    # Warehouse.
    warehouse_rows: int = 0  # rows whose personal columns were set to NULL
    warehouse_left: int = 0  # rows left for a later run (streaming buffer, or the warehouse refused for now)
    erasures_completed: int = 0  # pending erasures whose last warehouse rows this run cleared
    erasures_pending: int = 0  # pending erasures still waiting for the streaming buffer

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def changed(self) -> int:
        """Everything changed or deleted (not what was left for later)."""
        return (self.messages + self.conversations + self.tickets + self.webchat_replies + self.contacts_deleted
                + self.contacts_anonymised + self.files + self.emails + self.warehouse_rows
                + self.erasures_completed)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in known})

    def by_store(self) -> dict[str, dict[str, int]]:
        """The purge event's detail: counts grouped by the store they were made in."""
        return {
            "document_store": {"messages": self.messages, "conversations": self.conversations,
                               "tickets": self.tickets, "webchat_replies": self.webchat_replies,
                               "contacts_deleted": self.contacts_deleted,
                               "contacts_anonymised": self.contacts_anonymised},
            "blob_store": {"files": self.files, "emails": self.emails},
            "warehouse": {"rows": self.warehouse_rows, "left_for_later": self.warehouse_left,
                          "erasures_completed": self.erasures_completed,
                          "erasures_pending": self.erasures_pending},
        }


@dataclass(frozen=True)
class PurgeReport:
    """One call of purge_expired. Not finished: call again with ``cursor`` to go on where it stopped."""

    finished: bool
    cursor: dict[str, Any] | None
    workspaces: dict[str, Counts] = field(default_factory=dict)  # so far in this run, resumed calls included

    @property
    def totals(self) -> Counts:
        total = Counts()
        for counts in self.workspaces.values():
            total.add(counts)
        return total

    @property
    def left_for_later(self) -> int:
        return self.totals.warehouse_left


@dataclass(frozen=True)
class ErasureReport:
    """One contact's erasure. ``warehouse_pending`` rows were in the streaming buffer: a pending marker
    makes the next purge runs clear them."""

    workspace_id: str
    contact_id: str
    counts: Counts

    @property
    def warehouse_pending(self) -> int:
        return self.counts.warehouse_left
