"""Wire adapters from settings: the one place where the backend is chosen.

Each port gets a factory per backend. Factories import their adapter module when
first called, so a webhook that never touches the warehouse never imports the
BigQuery client, and nothing slow happens at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shared.kernel.settings import Settings
from shared.ports.blob_store import BlobStore
from shared.ports.channel_sender import ChannelSenders
from shared.ports.classifier_catalog import ClassifierCatalog
from shared.ports.clock import Clock, SystemClock
from shared.ports.document_store import DocumentStore
from shared.ports.event_bus import EventBus
from shared.ports.mailer import Mailer
from shared.ports.media_download import MediaDownloader
from shared.ports.secrets import Secrets
from shared.ports.task_scheduler import TaskScheduler
from shared.ports.warehouse import Warehouse
from shared.ports.webhook_caller import WebhookCaller
from shared.workspaces.directory import WorkspaceDirectory

if TYPE_CHECKING:  # httpx is imported only by a process that calls a provider
    import httpx

Factory = Callable[["Platform"], Any]


def _sqlite_store(p: Platform) -> DocumentStore:
    from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore

    return SqliteDocumentStore(p.data_dir / "state.sqlite3")


def _firestore_store(p: Platform) -> DocumentStore:
    from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore

    return FirestoreDocumentStore(project=p.settings.project)


def _sqlite_bus(p: Platform) -> EventBus:
    from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus

    return SqliteEventBus(p.data_dir / "bus.sqlite3", clock=p.clock)


def _pubsub_bus(p: Platform) -> EventBus:
    from shared.adapters.gcp.pubsub_event_bus import PubSubEventBus

    return PubSubEventBus(project=p.settings.project)


def _duckdb_warehouse(p: Platform) -> Warehouse:
    from shared.adapters.embedded.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(p.data_dir / "history.duckdb")


def _bigquery_warehouse(p: Platform) -> Warehouse:
    from shared.adapters.gcp.bigquery_warehouse import BigQueryWarehouse

    s = p.settings
    return BigQueryWarehouse(project=s.project, dataset=s.bigquery_dataset, location=s.bigquery_location,
                             endpoint=s.bigquery_endpoint)


def _sqlite_scheduler(p: Platform) -> TaskScheduler:
    from shared.adapters.embedded.sqlite_task_scheduler import SqliteTaskScheduler

    return SqliteTaskScheduler(p.data_dir / "tasks.sqlite3", bus=p.bus, clock=p.clock)


def _cloud_tasks_scheduler(p: Platform) -> TaskScheduler:
    from shared.adapters.gcp.cloud_tasks_scheduler import CloudTasksScheduler

    s = p.settings
    return CloudTasksScheduler(project=s.project, location=s.tasks_location, queue=s.tasks_queue,
                               service_account_email=s.tasks_service_account,
                               pubsub_base_url=s.pubsub_publish_base_url, endpoint=s.tasks_endpoint)


def _folder_blobs(p: Platform) -> BlobStore:
    from shared.adapters.embedded.local_folder_blob_store import LocalFolderBlobStore

    return LocalFolderBlobStore(p.data_dir / "blobs")


def _cloud_storage_blobs(p: Platform) -> BlobStore:
    from shared.adapters.gcp.cloud_storage_blob_store import CloudStorageBlobStore

    s = p.settings
    return CloudStorageBlobStore(bucket=s.blob_bucket, project=s.project, endpoint=s.storage_endpoint)


def _environment_secrets(p: Platform) -> Secrets:
    from shared.adapters.embedded.environment_secrets import EnvironmentSecrets

    return EnvironmentSecrets(also_bare_names=True)


def _secret_manager_secrets(p: Platform) -> Secrets:
    from shared.adapters.gcp.secret_manager_secrets import SecretManagerSecrets

    return SecretManagerSecrets(project=p.settings.project, endpoint=p.settings.secrets_endpoint)


def _httpx_webhooks(p: Platform) -> WebhookCaller:
    from shared.adapters.http.httpx_webhook_caller import HttpxWebhookCaller

    return HttpxWebhookCaller()


def _blob_store_mailer(p: Platform) -> Mailer:
    from shared.adapters.embedded.blob_store_mailer import BlobStoreMailer

    return BlobStoreMailer(p.blobs, p.clock)


def _provider_endpoints(p: Platform) -> Callable[[str, str], Any]:
    """Where a channel account's provider API calls go (its route's credentials), read when a call is made."""
    from shared.channels.credentials import provider_endpoint

    def endpoint_of(channel: str, account: str):
        return provider_endpoint(p.directory.channel(channel, account), p.settings, p.secrets)

    return endpoint_of


def _provider_http_client(p: Platform) -> Any:
    from shared.adapters.http.provider_client import new_provider_http_client

    return new_provider_http_client()


def channel_senders(p: Platform, **options: Any) -> ChannelSenders:
    """Every channel's sender, given the ports it uses (``options``: the provider senders' sleep, retries...)."""
    from shared.adapters.http.channel_senders import LazyChannelSenders

    return LazyChannelSenders(store=p.store, clock=p.clock, mailer=lambda: p.mailer,
                              endpoint_of=_provider_endpoints(p), http=lambda: p.http, **options)


def media_downloader(p: Platform, http: Any = None) -> MediaDownloader:
    """The provider media downloads, over the platform's HTTP client unless given another (a test's)."""
    from shared.adapters.http.media_download import HttpMediaDownloader

    return HttpMediaDownloader(http=http if http is not None else p.http, endpoint_of=_provider_endpoints(p),
                               settings=p.settings)


def _bot_models(p: Platform) -> ClassifierCatalog:
    from shared.adapters.blob_classifier_catalog import BotModelCatalog

    return BotModelCatalog(p.blobs, p.data_dir / "model-cache")


_EVERY_BACKEND: dict[str, Factory] = {
    "webhooks": _httpx_webhooks, "mailer": _blob_store_mailer, "classifiers": _bot_models,
    "senders": channel_senders, "http": _provider_http_client, "media": media_downloader,
}

BACKEND_FACTORIES: dict[str, dict[str, Factory]] = {
    "embedded": {
        "store": _sqlite_store, "bus": _sqlite_bus, "warehouse": _duckdb_warehouse,
        "scheduler": _sqlite_scheduler, "blobs": _folder_blobs, "secrets": _environment_secrets,
    },
    "emulators": {
        "store": _firestore_store, "bus": _pubsub_bus, "warehouse": _duckdb_warehouse,
        "scheduler": _sqlite_scheduler, "blobs": _folder_blobs, "secrets": _environment_secrets,
    },
    "gcp": {
        "store": _firestore_store, "bus": _pubsub_bus, "warehouse": _bigquery_warehouse,
        "scheduler": _cloud_tasks_scheduler, "blobs": _cloud_storage_blobs, "secrets": _secret_manager_secrets,
    },
}


class Platform:
    """The adapters of one process, built on first use and reused for the life of the instance."""

    def __init__(self, settings: Settings, clock: Clock | None = None,
                 overrides: dict[str, Factory] | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._factories = {**_EVERY_BACKEND, **BACKEND_FACTORIES[settings.backend], **(overrides or {})}
        self._lock = threading.RLock()

    @property
    def data_dir(self):
        from shared.adapters.embedded.owner_only_files import owner_only_folder

        return owner_only_folder(self.settings.data_dir)

    def _build(self, name: str) -> Any:
        with self._lock:
            return self._factories[name](self)

    @cached_property
    def store(self) -> DocumentStore:
        return self._build("store")

    @cached_property
    def bus(self) -> EventBus:
        return self._build("bus")

    @cached_property
    def warehouse(self) -> Warehouse:
        return self._build("warehouse")

    @cached_property
    def scheduler(self) -> TaskScheduler:
        return self._build("scheduler")

    @cached_property
    def blobs(self) -> BlobStore:
        return self._build("blobs")

    @cached_property
    def secrets(self) -> Secrets:
        return self._build("secrets")

    @cached_property
    def directory(self) -> WorkspaceDirectory:
        return WorkspaceDirectory(self.store, self.clock, models=self.classifiers)

    @cached_property
    def webhooks(self) -> WebhookCaller:
        return self._build("webhooks")

    @cached_property
    def mailer(self) -> Mailer:
        return self._build("mailer")

    @cached_property
    def classifiers(self) -> ClassifierCatalog:
        return self._build("classifiers")

    @cached_property
    def senders(self) -> ChannelSenders:
        """Channel name → ChannelSender (shared/adapters/http/channel_senders.py), built on first use."""
        return self._build("senders")

    @cached_property
    def media(self) -> MediaDownloader:
        """Customers' files downloaded from their providers (fetch_media)."""
        return self._build("media")

    @cached_property
    def http(self) -> httpx.Client:
        """The one HTTP client of the provider senders and media downloads."""
        return self._build("http")

    def built(self, name: str) -> Any:
        """The adapter ``name`` if it was built already, else None (nothing is built by asking)."""
        return self.__dict__.get(name)

    def close(self) -> None:
        for name in ("scheduler", "bus", "warehouse", "store", "webhooks", "senders", "http"):
            adapter = self.built(name)
            if adapter is not None and hasattr(adapter, "close"):
                adapter.close()


_current: Platform | None = None
_current_lock = threading.Lock()


def current_platform() -> Platform:
    """The process-wide platform, built from the environment on first use (warm instances reuse it)."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Platform(Settings.from_env())
        return _current


def use_platform(platform: Platform | None) -> None:
    """Make ``platform`` the process-wide one (the local stack and tests); None forgets it."""
    global _current
    with _current_lock:
        _current = platform
