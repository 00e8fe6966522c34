"""A platform whose document store is SQLite or the Firestore emulator (bus: embedded, durable)."""

from __future__ import annotations

import pytest

from shared.bootstrap import Platform
from shared.events import topics
from shared.kernel.settings import Settings
from shared.ports.clock import Clock
from shared.ports.event_bus import Subscription
from tests.support.emulators import EMULATOR_PROJECT

OUTBOUND_PROBE = Subscription(name="test-outbound-probe", topic=topics.OUTBOUND, ordered=True)
HISTORY_PROBE = Subscription(name="test-history-probe", topic=topics.HISTORY, ordered=False)


def _firestore(platform: Platform):
    from shared.adapters.gcp.firestore_document_store import FirestoreDocumentStore

    return FirestoreDocumentStore(project=EMULATOR_PROJECT)


def platform_for(request, tmp_path, clock: Clock | None = None) -> Platform:
    """The platform of a test parametrized with "sqlite" / "firestore" (the emulator started if needed)."""
    overrides = {}
    if request.param == "firestore":
        request.getfixturevalue("firestore_env")
        overrides["store"] = _firestore
    return Platform(Settings(backend="embedded", data_dir=tmp_path / "data"), clock=clock, overrides=overrides)


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path)
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    platform.bus.ensure_subscription(OUTBOUND_PROBE)
    platform.bus.ensure_subscription(HISTORY_PROBE)
    platform.directory.load_folder(platform.settings.bots_dir)
    yield platform
    platform.close()


def drain(platform: Platform, subscription: Subscription) -> list[bytes]:
    """Everything waiting on a probe subscription, acknowledged."""
    received = []
    while True:
        batch = platform.bus.pull(subscription.name, max_messages=100, timeout_s=0.2)
        if not batch:
            return received
        platform.bus.ack(subscription.name, [m.ack_id for m in batch])
        received.extend(m.data for m in batch)
