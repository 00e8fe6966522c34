"""The backend set is chosen once, from configuration, at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.bootstrap import Platform
from shared.kernel.errors import ConfigurationError
from shared.kernel.settings import Settings


def test_the_default_backend_is_embedded_with_data_under_dot_charla():
    settings = Settings.from_env({})
    assert settings.backend == "embedded" and settings.data_dir == Path(".charla")
    assert (settings.bots_dir / "workspace.yaml").exists()


def test_an_unknown_backend_is_refused_naming_the_choices():
    with pytest.raises(ConfigurationError, match="embedded, emulators, gcp"):
        Settings.from_env({"CHARLA_BACKEND": "cloudy"})


def test_the_emulators_backend_needs_both_emulator_hosts():
    with pytest.raises(ConfigurationError, match="PUBSUB_EMULATOR_HOST"):
        Settings.from_env({"CHARLA_BACKEND": "emulators", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:1"})


def test_a_number_setting_that_is_not_a_number_is_named():
    with pytest.raises(ConfigurationError, match="CHARLA_SESSION_TIMEOUT_S"):
        Settings.from_env({"CHARLA_SESSION_TIMEOUT_S": "soon"})


@pytest.mark.parametrize(("backend", "expected"), [
    ("embedded", {"store": "SqliteDocumentStore", "bus": "SqliteEventBus", "warehouse": "DuckDBWarehouse",
                  "scheduler": "SqliteTaskScheduler", "blobs": "LocalFolderBlobStore",
                  "secrets": "EnvironmentSecrets"}),
    ("emulators", {"store": "FirestoreDocumentStore", "bus": "PubSubEventBus", "warehouse": "DuckDBWarehouse",
                   "scheduler": "SqliteTaskScheduler", "blobs": "LocalFolderBlobStore",
                   "secrets": "EnvironmentSecrets"}),
    ("gcp", {"store": "FirestoreDocumentStore", "bus": "PubSubEventBus", "warehouse": "BigQueryWarehouse",
             "scheduler": "CloudTasksScheduler", "blobs": "CloudStorageBlobStore",
             "secrets": "SecretManagerSecrets"}),
])
def test_each_backend_wires_its_adapters_without_contacting_any_service(backend, expected, tmp_path):
    settings = Settings(backend=backend, data_dir=tmp_path, blob_bucket="bucket", tasks_service_account="sa@x")
    platform = Platform(settings)
    wired = {port: type(getattr(platform, port)).__name__ for port in expected}
    assert wired == expected
