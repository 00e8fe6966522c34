"""The small typed contexts use cases take instead of the composition root.

A use case names the ports it works with through one of these protocols; bootstrap.Platform
satisfies each of them (its adapters are built lazily on first use), and a test passes a
``PortSet`` of fakes or real embedded adapters. Nothing here imports an adapter or bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

from shared.kernel.settings import Settings
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.event_bus import EventBus
from shared.ports.task_scheduler import TaskScheduler

if TYPE_CHECKING:  # the directory is a use-case service over the store, not an adapter
    from shared.ports.blob_store import BlobStore
    from shared.ports.classifier_catalog import ClassifierCatalog
    from shared.ports.secrets import Secrets
    from shared.ports.warehouse import Warehouse
    from shared.ports.webhook_caller import WebhookCaller
    from shared.workspaces.directory import WorkspaceDirectory


class StateAndTime(Protocol):
    """The document store and the clock: enough for a use case that only reads and writes state."""

    @property
    def store(self) -> DocumentStore: ...

    @property
    def clock(self) -> Clock: ...


class DeliveryPorts(StateAndTime, Protocol):
    """What delivering an outbound message works with: state, time and the bus its history goes on."""

    @property
    def bus(self) -> EventBus: ...


class MediaPorts(Protocol):
    """What storing a customer's media works with: the blob store the copy goes to, the bus the message
    goes on by."""

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def bus(self) -> EventBus: ...


class ConversationPorts(StateAndTime, Protocol):
    """What the conversation use cases work with: state, the bus, timers and the published workspaces."""

    @property
    def bus(self) -> EventBus: ...

    @property
    def scheduler(self) -> TaskScheduler: ...

    @property
    def directory(self) -> WorkspaceDirectory: ...

    @property
    def settings(self) -> Settings: ...


class BotTurnPorts(ConversationPorts, Protocol):
    """What a bot turn on an inbound message also needs: the authors' webhooks and the bots' classifiers."""

    @property
    def webhooks(self) -> WebhookCaller: ...

    @property
    def classifiers(self) -> ClassifierCatalog: ...


@dataclass
class PortSet:
    """A plain holder of ports for tests and tools that assemble their own (it satisfies every protocol
    above whose attributes it was given)."""

    store: DocumentStore
    clock: Clock
    bus: EventBus | Any = None
    scheduler: TaskScheduler | Any = None
    directory: WorkspaceDirectory | Any = None
    settings: Settings | Any = None
    webhooks: WebhookCaller | Any = None
    classifiers: ClassifierCatalog | Any = None

    @classmethod
    def like(cls, source: Any, **replaced: Any) -> PortSet:
        """The ports of ``source`` (a Platform, another PortSet), with ``replaced`` ones swapped in: how a
        test hands a use case a failing bus or a recording caller without touching the platform."""
        return cls(**{f.name: replaced[f.name] if f.name in replaced else getattr(source, f.name)
                      for f in fields(cls)})


class ConsolePorts(ConversationPorts, Protocol):
    """What the console's use cases work with (shared/console): the conversation ports, the stored files
    agents open, the warehouse its reports read, and the secrets its sign-in keys come from."""

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def warehouse(self) -> Warehouse: ...

    @property
    def secrets(self) -> Secrets: ...
