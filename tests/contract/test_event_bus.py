"""Contract of the EventBus port: the same specification run against every adapter.

The Pub/Sub emulator ignores retry backoff (a nack comes back at once), so the
shared tests use zero backoff; backoff timing, lease expiry and crash recovery
are specified for the SQLite bus below with a ManualClock. The emulator also
never dead-letters messages of ordered subscriptions, so the dead-letter test
uses an unordered one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.cloud import pubsub_v1

from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus
from shared.adapters.gcp.pubsub_event_bus import PubSubEventBus
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound
from shared.ports.clock import ManualClock
from shared.ports.event_bus import EventBus, ReceivedMessage, Subscription
from tests.support.emulators import EMULATOR_PROJECT

REPO_ROOT = Path(__file__).resolve().parents[2]


def unique(prefix: str) -> str:
    # Fresh names per test: the emulator misbehaves when subscriptions are reused.
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite", pytest.param("pubsub", marks=pytest.mark.emulator)])
def bus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventBus]:
    if request.param == "sqlite":
        event_bus: EventBus = SqliteEventBus(tmp_path / "bus.sqlite3")
    else:
        request.getfixturevalue("pubsub_env")
        event_bus = PubSubEventBus(EMULATOR_PROJECT)
    yield event_bus
    event_bus.close()


def new_topic(bus: EventBus) -> str:
    topic = unique("topic")
    bus.ensure_topic(topic)
    return topic


def new_subscription(bus: EventBus, topic: str, **settings) -> Subscription:
    settings = {"min_backoff_s": 0.0, "max_backoff_s": 0.0, **settings}
    subscription = Subscription(name=unique("sub"), topic=topic, **settings)
    bus.ensure_subscription(subscription)
    return subscription


def pull_one(bus: EventBus, subscription: str, timeout_s: float = 5.0) -> ReceivedMessage:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        received = bus.pull(subscription, max_messages=1, timeout_s=0.5)
        if received:
            assert len(received) == 1
            return received[0]
    raise AssertionError(f"no message arrived on {subscription} within {timeout_s}s")


def drain(bus: EventBus, subscription: str, expected: int, timeout_s: float = 15.0) -> list[ReceivedMessage]:
    """Pull and ack until ``expected`` messages came (or time is up); returns them in arrival order."""
    received: list[ReceivedMessage] = []
    deadline = time.monotonic() + timeout_s
    while len(received) < expected and time.monotonic() < deadline:
        batch = bus.pull(subscription, max_messages=10, timeout_s=0.5)
        received.extend(batch)
        bus.ack(subscription, [message.ack_id for message in batch])
    return received


def drain_without_ack(
    bus: EventBus, subscription: str, expected: int, timeout_s: float = 10.0
) -> list[ReceivedMessage]:
    received: list[ReceivedMessage] = []
    deadline = time.monotonic() + timeout_s
    while len(received) < expected and time.monotonic() < deadline:
        received.extend(bus.pull(subscription, max_messages=10, timeout_s=0.5))
    assert len(received) == expected, texts(received)
    return received


def texts(messages: list[ReceivedMessage]) -> list[str]:
    return [message.data.decode() for message in messages]


# -- the contract: every adapter ----------------------------------------------


def test_a_published_message_arrives_with_its_data_attributes_key_and_id(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic)
    data = b"\x00hola \xff\xfe"

    message_id = bus.publish(topic, data, ordering_key="conv-1", attributes={"kind": "inbound", "ws": "w1"})

    message = pull_one(bus, subscription.name)
    assert message_id
    assert message.message_id == message_id
    assert message.data == data
    assert dict(message.attributes) == {"kind": "inbound", "ws": "w1"}
    assert message.ordering_key == "conv-1"
    assert message.delivery_attempt == 1
    assert message.ack_id
    assert message.publish_time is not None and message.publish_time.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - message.publish_time) < timedelta(minutes=1)


def test_acknowledged_messages_are_not_delivered_again_but_nacked_ones_are(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic)
    bus.publish(topic, b"handled", ordering_key="a")
    bus.publish(topic, b"failed", ordering_key="b")
    first = {m.data: m for m in drain_without_ack(bus, subscription.name, 2)}

    bus.ack(subscription.name, [first[b"handled"].ack_id])
    bus.nack(subscription.name, [first[b"failed"].ack_id])

    again = drain(bus, subscription.name, 1)
    assert texts(again) == ["failed"]
    assert bus.pull(subscription.name, timeout_s=0.5) == []


def test_a_message_published_before_the_subscription_exists_is_not_delivered_to_it(bus: EventBus) -> None:
    topic = new_topic(bus)
    early = new_subscription(bus, topic)
    bus.publish(topic, b"before")
    late = new_subscription(bus, topic)
    bus.publish(topic, b"after")

    assert texts(drain(bus, late.name, 1)) == ["after"]
    assert bus.pull(late.name, timeout_s=0.5) == []
    assert sorted(texts(drain(bus, early.name, 2))) == ["after", "before"]


def test_every_subscription_of_a_topic_gets_its_own_copy(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscriptions = [new_subscription(bus, topic) for _ in range(3)]

    message_id = bus.publish(topic, b"fan out", ordering_key="k")

    for subscription in subscriptions:
        # Each subscription acks its own copy; the others must still have theirs.
        [message] = drain(bus, subscription.name, 1)
        assert (message.message_id, message.data) == (message_id, b"fan out")


def test_messages_of_one_ordering_key_arrive_in_publish_order(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic, ordered=True)
    keys = ["conv-a", "conv-b", "conv-c"]
    for i in range(10):
        for key in keys:
            bus.publish(topic, f"{key}:{i}".encode(), ordering_key=key)

    received = drain(bus, subscription.name, 30)

    by_key: dict[str, list[str]] = defaultdict(list)
    for message in received:
        assert message.data.decode().startswith(message.ordering_key + ":")
        by_key[message.ordering_key].append(message.data.decode())
    assert by_key == {key: [f"{key}:{i}" for i in range(10)] for key in keys}


def test_a_nacked_message_is_redelivered_with_its_delivery_attempt_counted(bus: EventBus) -> None:
    topic = new_topic(bus)
    # Pub/Sub counts delivery attempts only on subscriptions with a dead-letter topic.
    subscription = new_subscription(bus, topic, dead_letter_topic=unique("dead"))
    message_id = bus.publish(topic, b"try again", ordering_key="k")

    first = pull_one(bus, subscription.name)
    bus.nack(subscription.name, [first.ack_id])
    second = pull_one(bus, subscription.name)

    assert (first.delivery_attempt, second.delivery_attempt) == (1, 2)
    assert second.message_id == first.message_id == message_id
    assert second.data == b"try again"
    assert second.ack_id


def test_after_max_delivery_attempts_the_message_moves_to_the_dead_letter_topic(bus: EventBus) -> None:
    topic = new_topic(bus)
    dead_letter_topic = new_topic(bus)
    dead_letters = new_subscription(bus, dead_letter_topic)
    subscription = new_subscription(
        bus, topic, dead_letter_topic=dead_letter_topic, max_delivery_attempts=5, ordered=False
    )
    bus.publish(topic, b"poison", attributes={"conversation": "c1"})

    for attempt in range(1, 6):
        message = pull_one(bus, subscription.name)
        assert message.delivery_attempt == attempt
        bus.nack(subscription.name, [message.ack_id])

    assert bus.pull(subscription.name, timeout_s=1.0) == []
    [dead] = drain(bus, dead_letters.name, 1)
    assert dead.data == b"poison"
    assert dead.attributes["conversation"] == "c1"
    assert dead.attributes["CloudPubSubDeadLetterSourceSubscription"] == subscription.name
    assert bus.pull(dead_letters.name, timeout_s=0.5) == []
    assert bus.pull(subscription.name, timeout_s=0.5) == []


def test_without_a_dead_letter_topic_a_message_is_retried_beyond_max_delivery_attempts(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic, max_delivery_attempts=5)
    bus.publish(topic, b"stubborn", ordering_key="k")

    for _ in range(6):
        message = pull_one(bus, subscription.name)
        bus.nack(subscription.name, [message.ack_id])

    assert pull_one(bus, subscription.name).data == b"stubborn"


def test_publishing_to_a_missing_topic_is_refused(bus: EventBus) -> None:
    with pytest.raises(NotFound):
        bus.publish(unique("missing"), b"lost?")


def test_a_subscription_on_a_missing_topic_is_refused(bus: EventBus) -> None:
    with pytest.raises(NotFound):
        bus.ensure_subscription(Subscription(name=unique("sub"), topic=unique("missing")))


@pytest.mark.parametrize("name", ["ab", "1topic", "goog-topic", "has space", "has/slash", "x" * 256])
def test_an_invalid_topic_or_subscription_name_is_refused(bus: EventBus, name: str) -> None:
    with pytest.raises(InvalidInput):
        bus.ensure_topic(name)
    with pytest.raises(InvalidInput):
        bus.ensure_subscription(Subscription(name=name, topic=new_topic(bus)))


def test_a_message_without_data_or_attributes_is_refused(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic)

    with pytest.raises(InvalidInput):
        bus.publish(topic, b"")
    bus.publish(topic, b"", attributes={"only": "attributes"})

    [message] = drain(bus, subscription.name, 1)
    assert (message.data, dict(message.attributes)) == (b"", {"only": "attributes"})


def test_pulling_from_a_missing_subscription_is_refused(bus: EventBus) -> None:
    with pytest.raises(NotFound):
        bus.pull(unique("missing"), timeout_s=0.5)


def test_an_empty_pull_returns_nothing_within_its_timeout(bus: EventBus) -> None:
    subscription = new_subscription(bus, new_topic(bus))
    started = time.monotonic()

    assert bus.pull(subscription.name, timeout_s=0.5) == []
    assert time.monotonic() - started < 5


def test_ensuring_topics_and_subscriptions_again_is_harmless(bus: EventBus) -> None:
    topic = new_topic(bus)
    bus.ensure_topic(topic)
    subscription = new_subscription(bus, topic)
    bus.ensure_subscription(subscription)

    bus.publish(topic, b"once")

    assert texts(drain(bus, subscription.name, 1)) == ["once"]
    assert bus.pull(subscription.name, timeout_s=0.5) == []


def test_a_subscription_cannot_move_to_another_topic_or_change_its_ordering(bus: EventBus) -> None:
    topic, other = new_topic(bus), new_topic(bus)
    subscription = new_subscription(bus, topic, ordered=True)

    with pytest.raises(AlreadyExists):
        bus.ensure_subscription(Subscription(name=subscription.name, topic=other))
    with pytest.raises(AlreadyExists):
        bus.ensure_subscription(Subscription(name=subscription.name, topic=topic, ordered=False))


def test_a_spent_ack_id_is_ignored(bus: EventBus) -> None:
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic)
    bus.publish(topic, b"done once")
    [message] = drain(bus, subscription.name, 1)

    bus.ack(subscription.name, [message.ack_id])
    bus.nack(subscription.name, [message.ack_id])
    bus.ack(subscription.name, [])

    assert bus.pull(subscription.name, timeout_s=0.5) == []


# -- Pub/Sub only: the settings reach the service ------------------------------


@pytest.mark.emulator
def test_pubsub_subscription_settings_are_applied_and_updated(pubsub_env) -> None:
    bus = PubSubEventBus(EMULATOR_PROJECT)
    subscriber = pubsub_v1.SubscriberClient()
    publisher = pubsub_v1.PublisherClient()
    try:
        topic, dead_letter_topic = unique("topic"), unique("dead")
        bus.ensure_topic(topic)
        subscription = Subscription(
            name=unique("sub"),
            topic=topic,
            dead_letter_topic=dead_letter_topic,
            max_delivery_attempts=7,
            min_backoff_s=1.5,
            max_backoff_s=30,
            ack_deadline_s=20,
            ordered=True,
        )
        bus.ensure_subscription(subscription)

        path = f"projects/{EMULATOR_PROJECT}/subscriptions/{subscription.name}"
        dead_letter_path = f"projects/{EMULATOR_PROJECT}/topics/{dead_letter_topic}"
        stored = subscriber.get_subscription(subscription=path)
        assert stored.topic == f"projects/{EMULATOR_PROJECT}/topics/{topic}"
        assert stored.enable_message_ordering is True
        assert stored.ack_deadline_seconds == 20
        assert "retry_policy" in stored
        assert stored.retry_policy.minimum_backoff == timedelta(seconds=1.5)
        assert stored.retry_policy.maximum_backoff == timedelta(seconds=30)
        assert stored.dead_letter_policy.dead_letter_topic == dead_letter_path
        assert stored.dead_letter_policy.max_delivery_attempts == 7
        assert publisher.get_topic(topic=dead_letter_path).name == dead_letter_path

        bus.ensure_subscription(
            Subscription(name=subscription.name, topic=topic, ack_deadline_s=45, min_backoff_s=2, max_backoff_s=60)
        )

        updated = subscriber.get_subscription(subscription=path)
        assert updated.ack_deadline_seconds == 45
        assert updated.retry_policy.minimum_backoff == timedelta(seconds=2)
        assert updated.retry_policy.maximum_backoff == timedelta(seconds=60)
        assert not updated.dead_letter_policy.dead_letter_topic

        # No backoff is Pub/Sub's "no retry policy" (redeliver at once), not a policy of zeros.
        bus.ensure_subscription(Subscription(name=subscription.name, topic=topic, min_backoff_s=0, max_backoff_s=0))
        assert "retry_policy" not in subscriber.get_subscription(subscription=path)
    finally:
        bus.close()
        subscriber.close()
        publisher.stop()


@pytest.mark.emulator
def test_pubsub_a_failed_publish_does_not_block_later_messages_of_its_key(pubsub_env) -> None:
    bus = PubSubEventBus(EMULATOR_PROJECT)
    try:
        topic = unique("topic")
        with pytest.raises(NotFound):
            bus.publish(topic, b"too early", ordering_key="conv-1")
        bus.ensure_topic(topic)
        subscription = new_subscription(bus, topic)

        bus.publish(topic, b"after the failure", ordering_key="conv-1")

        assert texts(drain(bus, subscription.name, 1)) == ["after the failure"]
    finally:
        bus.close()


# -- SQLite only: time, crashes and concurrency ---------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "bus.sqlite3"


@pytest.fixture
def sqlite_bus(sqlite_path: Path, clock: ManualClock) -> Iterator[SqliteEventBus]:
    event_bus = SqliteEventBus(sqlite_path, clock=clock)
    yield event_bus
    event_bus.close()


def test_sqlite_a_nacked_message_waits_an_exponential_backoff_capped_at_the_maximum(
    sqlite_bus: SqliteEventBus, clock: ManualClock
) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, min_backoff_s=10, max_backoff_s=35)
    sqlite_bus.publish(topic, b"flaky", ordering_key="k")
    message = sqlite_bus.pull(subscription.name, timeout_s=0)[0]

    for expected_backoff in (10, 20, 35, 35):
        sqlite_bus.nack(subscription.name, [message.ack_id])
        clock.advance(expected_backoff - 0.01)
        assert sqlite_bus.pull(subscription.name, timeout_s=0) == []
        clock.advance(0.01)
        [message] = sqlite_bus.pull(subscription.name, timeout_s=0)

    assert message.delivery_attempt == 5


def test_sqlite_an_expired_lease_is_redelivered_after_the_ack_deadline_and_backoff(
    sqlite_bus: SqliteEventBus, clock: ManualClock
) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, ack_deadline_s=30, min_backoff_s=5, max_backoff_s=5)
    sqlite_bus.publish(topic, b"slow handler")
    [first] = sqlite_bus.pull(subscription.name, timeout_s=0)

    clock.advance(29.9)
    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []
    clock.advance(0.1)
    sqlite_bus.ack(subscription.name, [first.ack_id])  # too late: ignored
    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []
    clock.advance(5)
    [second] = sqlite_bus.pull(subscription.name, timeout_s=0)

    assert (second.message_id, second.delivery_attempt) == (first.message_id, 2)
    assert second.ack_id != first.ack_id


def test_sqlite_expired_leases_also_count_towards_dead_lettering(
    sqlite_bus: SqliteEventBus, clock: ManualClock
) -> None:
    topic, dead_letter_topic = new_topic(sqlite_bus), new_topic(sqlite_bus)
    dead_letters = new_subscription(sqlite_bus, dead_letter_topic)
    subscription = new_subscription(
        sqlite_bus, topic, dead_letter_topic=dead_letter_topic, max_delivery_attempts=5, ack_deadline_s=10
    )
    sqlite_bus.publish(topic, b"never acked", ordering_key="k", attributes={"a": "1"})

    for attempt in range(1, 6):
        [message] = sqlite_bus.pull(subscription.name, timeout_s=0)
        assert message.delivery_attempt == attempt
        clock.advance(10)

    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []
    [dead] = sqlite_bus.pull(dead_letters.name, timeout_s=0)
    assert dead.data == b"never acked"
    assert dead.attributes["a"] == "1"
    assert dead.attributes["CloudPubSubDeadLetterSourceSubscription"] == subscription.name
    assert dead.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"


def test_sqlite_published_messages_survive_a_restart_in_per_key_order(sqlite_path: Path, clock: ManualClock) -> None:
    bus = SqliteEventBus(sqlite_path, clock=clock)
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic)
    for i in range(20):
        for key in ("k1", "k2"):
            bus.publish(topic, f"{key}:{i}".encode(), ordering_key=key)
    bus.close()

    reopened = SqliteEventBus(sqlite_path, clock=clock)
    try:
        received = drain(reopened, subscription.name, 40, timeout_s=5)
    finally:
        reopened.close()

    for key in ("k1", "k2"):
        assert [t for t in texts(received) if t.startswith(key)] == [f"{key}:{i}" for i in range(20)]
    assert len(received) == 40


_CRASHING_CONSUMER_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus

    bus = SqliteEventBus(sys.argv[1])
    [message] = bus.pull(sys.argv[2], max_messages=1, timeout_s=5)
    print(message.message_id, flush=True)
    os._exit(1)  # die holding the lease: no ack, no close
    """
)


def test_sqlite_a_message_leased_by_a_crashed_instance_is_redelivered_after_its_ack_deadline(
    sqlite_path: Path,
) -> None:
    bus = SqliteEventBus(sqlite_path)
    topic = new_topic(bus)
    subscription = new_subscription(bus, topic, ack_deadline_s=60)
    in_flight = bus.publish(topic, b"in flight", ordering_key="k")
    bus.publish(topic, b"next of k", ordering_key="k")
    bus.close()

    crashed = subprocess.run(
        [sys.executable, "-c", _CRASHING_CONSUMER_SCRIPT, str(sqlite_path), subscription.name],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.stdout.strip() == in_flight, crashed.stderr

    clock = ManualClock(datetime.now(UTC))
    restarted = SqliteEventBus(sqlite_path, clock=clock)
    try:
        assert restarted.pull(subscription.name, timeout_s=0) == []
        clock.advance(60)
        [again] = restarted.pull(subscription.name, timeout_s=0)
        assert (again.message_id, again.data, again.delivery_attempt) == (in_flight, b"in flight", 2)
        restarted.ack(subscription.name, [again.ack_id])
        assert texts(restarted.pull(subscription.name, timeout_s=0)) == ["next of k"]
    finally:
        restarted.close()


def test_sqlite_a_key_is_not_handed_out_while_an_earlier_message_of_it_is_outstanding(
    sqlite_bus: SqliteEventBus, clock: ManualClock
) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, min_backoff_s=10, max_backoff_s=10)
    for text, key in (("k1:0", "k1"), ("k1:1", "k1"), ("k2:0", "k2"), ("none", "")):
        sqlite_bus.publish(topic, text.encode(), ordering_key=key)

    first = sqlite_bus.pull(subscription.name, max_messages=10, timeout_s=0)
    assert texts(first) == ["k1:0", "k2:0", "none"]
    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []  # k1:1 waits for k1:0

    sqlite_bus.nack(subscription.name, [first[0].ack_id])
    clock.advance(9)
    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []  # k1:0 backing off: k1 still waits
    clock.advance(1)
    [retried] = sqlite_bus.pull(subscription.name, timeout_s=0)
    assert retried.data == b"k1:0"

    sqlite_bus.ack(subscription.name, [retried.ack_id])
    assert texts(sqlite_bus.pull(subscription.name, timeout_s=0)) == ["k1:1"]


def test_sqlite_an_unordered_subscription_hands_out_a_key_without_waiting(sqlite_bus: SqliteEventBus) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, ordered=False)
    for i in range(3):
        sqlite_bus.publish(topic, f"k:{i}".encode(), ordering_key="k")

    assert texts(sqlite_bus.pull(subscription.name, max_messages=10, timeout_s=0)) == ["k:0", "k:1", "k:2"]


def test_sqlite_ensuring_a_subscription_again_applies_its_new_settings(
    sqlite_bus: SqliteEventBus, clock: ManualClock
) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, ack_deadline_s=10)
    sqlite_bus.ensure_subscription(
        Subscription(name=subscription.name, topic=topic, ack_deadline_s=60, min_backoff_s=0, max_backoff_s=0)
    )
    sqlite_bus.publish(topic, b"m")
    sqlite_bus.pull(subscription.name, timeout_s=0)

    clock.advance(59)
    assert sqlite_bus.pull(subscription.name, timeout_s=0) == []
    clock.advance(1)
    assert texts(sqlite_bus.pull(subscription.name, timeout_s=0)) == ["m"]


def test_sqlite_a_pull_waits_for_a_message_published_meanwhile(sqlite_bus: SqliteEventBus) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic)
    publisher = threading.Timer(0.2, lambda: sqlite_bus.publish(topic, b"late"))
    publisher.start()
    try:
        assert texts(sqlite_bus.pull(subscription.name, timeout_s=5)) == ["late"]
    finally:
        publisher.join()


def test_sqlite_concurrent_consumers_in_threads_never_share_a_message(sqlite_bus: SqliteEventBus) -> None:
    topic = new_topic(sqlite_bus)
    subscription = new_subscription(sqlite_bus, topic, ordered=False)
    for i in range(100):
        sqlite_bus.publish(topic, str(i).encode())
    seen: list[str] = []
    seen_lock = threading.Lock()

    def consume() -> None:
        while batch := sqlite_bus.pull(subscription.name, max_messages=7, timeout_s=0.2):
            with seen_lock:
                seen.extend(texts(batch))
            sqlite_bus.ack(subscription.name, [m.ack_id for m in batch])

    consumers = [threading.Thread(target=consume) for _ in range(4)]
    for consumer in consumers:
        consumer.start()
    for consumer in consumers:
        consumer.join(timeout=30)

    assert sorted(seen, key=int) == [str(i) for i in range(100)]


_PUBLISHER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus

    path, topic, key, count, go = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
    bus = SqliteEventBus(path)
    bus.ensure_topic(topic)  # opens the connection before the start signal
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        bus.publish(topic, f"{key}:{i}".encode(), ordering_key=key)
    bus.close()
    """
)


def test_sqlite_publishing_from_two_processes_at_once_loses_nothing(sqlite_path: Path, tmp_path: Path) -> None:
    bus = SqliteEventBus(sqlite_path)
    go = tmp_path / "go"
    try:
        topic = new_topic(bus)
        subscription = new_subscription(bus, topic)
        count = 300
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", _PUBLISHER_SCRIPT, str(sqlite_path), topic, key, str(count), str(go)],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for key in ("p1", "p2")
        ]
        # Both are connected and waiting before either starts, so their publishes overlap.
        assert [process.stdout.readline().strip() for process in processes] == ["ready", "ready"]
        go.touch()
        assert [process.wait(timeout=60) for process in processes] == [0, 0]

        received = drain(bus, subscription.name, 2 * count)
    finally:
        bus.close()

    for key in ("p1", "p2"):
        assert [t for t in texts(received) if t.startswith(key)] == [f"{key}:{i}" for i in range(count)]
    assert len(received) == 2 * count
