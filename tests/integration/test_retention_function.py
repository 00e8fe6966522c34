"""retention_purge as Cloud Scheduler runs it (a message on the retention topic, through the function's
Pub/Sub envelope): a run that outlives its budget hands its cursor to the next invocation, which finishes."""

from __future__ import annotations

import base64
import json

import pytest
from cloudevents.http import CloudEvent

from shared.bootstrap import use_platform
from shared.conversations.store_names import messages_collection
from shared.events import topics
from shared.ports.event_bus import Subscription
from tests.integration.conftest import drain
from tests.integration.test_retention import platform, seeds  # noqa: F401 - the seeded stores and their clock

RETENTION_PROBE = Subscription(name="test-retention-continuation", topic=topics.RETENTION, ordered=False)
DEAD_LETTER_PROBE = Subscription(name="test-retention-dead-letter", topic=topics.DEAD_LETTER, ordered=False)


def invoke(data: bytes) -> None:
    from functions.retention_purge.main import retention_purge

    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//scheduler", "id": "1"},
                       {"message": {"data": base64.b64encode(data).decode(), "messageId": "1", "attributes": {}}})
    retention_purge(event)


@pytest.fixture
def function_platform(platform, seeds):  # noqa: F811 - the fixtures imported above
    for topic in (topics.RETENTION, topics.DEAD_LETTER):
        platform.bus.ensure_topic(topic)
    platform.bus.ensure_subscription(RETENTION_PROBE)
    platform.bus.ensure_subscription(DEAD_LETTER_PROBE)
    use_platform(platform)
    yield platform, seeds
    use_platform(None)


def old_text_left(stores, seeded_workspaces) -> int:
    seeded = seeded_workspaces["ws-a"]
    left = 0
    for conversation_id in seeded.conversations.values():
        for doc in stores.store.query(messages_collection(conversation_id)):
            left += bool(doc.data.get("text")) and doc.data.get("at", "") < "2026-03-01"
    return left


def test_a_run_out_of_time_goes_on_in_the_next_invocation_until_done(function_platform, monkeypatch):
    stores, seeded = function_platform
    assert old_text_left(stores, seeded) > 0
    monkeypatch.setattr(topics, "RETENTION_RUN_BUDGET_S", -1)  # every invocation starts past its budget
    invoke(b"{}")
    hops = 0
    while continuation := drain(stores, RETENTION_PROBE):
        [data] = continuation
        assert "cursor" in json.loads(data)
        invoke(data)
        hops += 1
        assert hops < 200
    assert hops >= 1 and old_text_left(stores, seeded) == 0


def test_a_malformed_message_is_recorded_on_the_dead_letter_topic(function_platform):
    stores, _ = function_platform
    invoke(b"not json")
    [dead] = drain(stores, DEAD_LETTER_PROBE)
    assert dead == b"not json"
