"""Ports: the small interfaces use cases depend on; adapters implement them."""

from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock, ManualClock, SystemClock
from shared.ports.document_store import Document, DocumentStore, Filter, Transaction
from shared.ports.event_bus import EventBus, ReceivedMessage, Subscription
from shared.ports.secrets import Secrets
from shared.ports.task_scheduler import ScheduledTask, TaskScheduler
from shared.ports.warehouse import Warehouse

__all__ = [
    "BlobStore",
    "Clock",
    "Document",
    "DocumentStore",
    "EventBus",
    "Filter",
    "ManualClock",
    "ReceivedMessage",
    "ScheduledTask",
    "Secrets",
    "Subscription",
    "SystemClock",
    "TaskScheduler",
    "Transaction",
    "Warehouse",
]
