"""The one Pub/Sub envelope policy every event function applies (shared/entrypoints/pubsub_envelopes.py):
a permanent failure is acknowledged and recorded on the dead-letter topic with its reason; anything else
propagates, so Pub/Sub redelivers. It needs only the bus it records dead letters on."""

from __future__ import annotations

import base64

import pytest

from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event, parse_pubsub_event
from shared.events import topics
from shared.kernel.errors import InvalidInput, TransientError
from shared.ports.event_bus import Subscription
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE

DEAD_LETTERS = Subscription(name="dead-letter-probe", topic=topics.DEAD_LETTER)


def event(data: bytes, **attributes: str) -> dict:
    return {"message": {"data": base64.b64encode(data).decode(), "attributes": attributes, "messageId": "ps-1"}}


@pytest.fixture
def bus(tmp_path):
    bus = SqliteEventBus(tmp_path / "bus.sqlite3")
    bus.ensure_topic(topics.DEAD_LETTER)
    bus.ensure_subscription(DEAD_LETTERS)
    yield bus
    bus.close()


def test_a_permanent_failure_is_acknowledged_and_recorded_on_the_dead_letter_topic_with_its_reason(bus):
    def use_case(delivery: PubSubDelivery) -> None:
        raise InvalidInput("timer action 'nap'")

    handle_pubsub_event(bus, "run_timer", event(b'{"action": "nap"}', origin="test"), use_case)

    [dead] = bus.pull(DEAD_LETTERS.name, timeout_s=0.1)
    assert dead.data == b'{"action": "nap"}'
    assert dead.attributes == {"origin": "test", "failed_function": "run_timer",
                               "failure_reason": "InvalidInput: timer action 'nap'"}


def test_a_transient_failure_propagates_so_pubsub_redelivers_and_nothing_is_dead_lettered(bus):
    def use_case(delivery: PubSubDelivery) -> None:
        raise TransientError("store unavailable")

    with pytest.raises(TransientError):
        handle_pubsub_event(bus, "run_timer", event(b"{}"), use_case)
    assert bus.pull(DEAD_LETTERS.name, timeout_s=0.1) == []


def test_a_delivery_names_the_scheduled_task_that_published_it():
    assert parse_pubsub_event(event(b"{}", **{TASK_NAME_ATTRIBUTE: "timer-cv-1"})).task_name == "timer-cv-1"
    assert parse_pubsub_event(event(b"{}")).task_name == ""
