"""Contract of the TaskScheduler port, run against every adapter.

The shared part runs on the embedded SQLite scheduler and on the Cloud Tasks
adapter (the real google-cloud-tasks client over REST, pointed at a local
stand-in of the Cloud Tasks API). Then the parts only one backend can show:
delivery through the bus for SQLite, the request shape for Cloud Tasks.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_task_scheduler import SqliteTaskScheduler
from shared.adapters.gcp.cloud_tasks_scheduler import CloudTasksScheduler
from shared.kernel.errors import ConfigurationError, InvalidInput, PermanentError, TransientError
from shared.ports.clock import ManualClock
from shared.ports.event_bus import ReceivedMessage, Subscription
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE, ScheduledTask, TaskScheduler
from tests.support.fake_cloud_tasks import FakeCloudTasks, http_body, parse_rfc3339
from tests.support.wsgi_server import serve_wsgi

PROJECT = "demo-test"
LOCATION = "us-central1"
QUEUE = "charla-timers"
QUEUE_PATH = f"projects/{PROJECT}/locations/{LOCATION}/queues/{QUEUE}"
SERVICE_ACCOUNT = "tasks-invoker@demo-test.iam.gserviceaccount.com"
PUBSUB_BASE_URL = "https://pubsub.googleapis.com"
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

ODD_NAMES = [
    "inactivity/conv:42#msg-7",
    "ticket expiry ünïcode 🙂",
    "a.b",
    "x" * 600,
]


def a_task(
    name: str = "inactivity-conv-1", due_in: timedelta = timedelta(minutes=5), **payload: object
) -> ScheduledTask:
    return ScheduledTask(
        name=name,
        topic="charla-timers",
        payload=payload or {"kind": "inactivity", "conversation_id": "c1"},
        due_at=START + due_in,
    )


class FakeEventBus:
    """Records what is published; ``fail_with`` makes the next publishes raise."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, str, dict[str, str]]] = []
        self.fail_with: BaseException | None = None
        self.on_publish = None
        self._lock = threading.Lock()

    def ensure_topic(self, topic: str) -> None:
        pass

    def ensure_subscription(self, subscription: Subscription) -> None:
        pass

    def publish(
        self, topic: str, data: bytes, *, ordering_key: str = "", attributes: Mapping[str, str] | None = None
    ) -> str:
        if self.on_publish is not None:
            self.on_publish(topic, data, dict(attributes or {}))
        with self._lock:
            self.published.append((topic, data, ordering_key, dict(attributes or {})))
            message_id = str(len(self.published))
        if self.fail_with is not None:
            raise self.fail_with
        return message_id

    def pull(self, subscription: str, max_messages: int = 10, timeout_s: float = 1.0) -> list[ReceivedMessage]:
        return []

    def ack(self, subscription: str, ack_ids: list[str]) -> None:
        pass

    def nack(self, subscription: str, ack_ids: list[str]) -> None:
        pass

    def close(self) -> None:
        pass

    def task_names(self) -> list[str]:
        with self._lock:
            return [attributes[TASK_NAME_ATTRIBUTE] for _, _, _, attributes in self.published]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def bus() -> FakeEventBus:
    return FakeEventBus()


@pytest.fixture
def tasks_db(tmp_path: Path) -> Path:
    return tmp_path / "tasks.sqlite3"


@pytest.fixture
def sqlite_scheduler(tasks_db: Path, bus: FakeEventBus, clock: ManualClock) -> Iterator[SqliteTaskScheduler]:
    scheduler = SqliteTaskScheduler(tasks_db, bus, clock)
    yield scheduler
    scheduler.close()


@pytest.fixture(scope="module")
def cloud_tasks_server() -> Iterator[tuple[FakeCloudTasks, str]]:
    # One server for the module: stopping one takes half a second.
    fake = FakeCloudTasks(queues=[QUEUE_PATH])
    with serve_wsgi(fake) as url:
        yield fake, url


@pytest.fixture
def fake_cloud_tasks(cloud_tasks_server: tuple[FakeCloudTasks, str]) -> FakeCloudTasks:
    fake, _ = cloud_tasks_server
    fake.reset()
    return fake


@pytest.fixture
def cloud_tasks_url(cloud_tasks_server: tuple[FakeCloudTasks, str], fake_cloud_tasks: FakeCloudTasks) -> str:
    return cloud_tasks_server[1]


@pytest.fixture
def cloud_tasks_scheduler(cloud_tasks_url: str) -> Iterator[CloudTasksScheduler]:
    scheduler = CloudTasksScheduler(
        project=PROJECT, location=LOCATION, queue=QUEUE, service_account_email=SERVICE_ACCOUNT,
        pubsub_base_url=PUBSUB_BASE_URL, endpoint=cloud_tasks_url,
    )
    yield scheduler
    scheduler.close()


@pytest.fixture(params=["sqlite", "cloud_tasks"])
def scheduler(request: pytest.FixtureRequest) -> TaskScheduler:
    return request.getfixturevalue(f"{request.param}_scheduler")


# --- the contract, on every adapter -------------------------------------


def test_scheduling_a_new_name_is_accepted(scheduler: TaskScheduler) -> None:
    assert scheduler.schedule(a_task()) is True


def test_scheduling_a_taken_name_is_refused(scheduler: TaskScheduler) -> None:
    scheduler.schedule(a_task())

    assert scheduler.schedule(a_task(due_in=timedelta(hours=2))) is False


def test_cancelling_a_pending_task_succeeds_once(scheduler: TaskScheduler) -> None:
    scheduler.schedule(a_task())

    assert scheduler.cancel("inactivity-conv-1") is True
    assert scheduler.cancel("inactivity-conv-1") is False


def test_cancelling_an_unknown_name_returns_false(scheduler: TaskScheduler) -> None:
    assert scheduler.cancel("never-scheduled") is False


def test_a_cancelled_name_cannot_be_reused_right_away(scheduler: TaskScheduler) -> None:
    # Cloud Tasks refuses a name deleted within about an hour; the embedded twin does the same.
    scheduler.schedule(a_task())
    scheduler.cancel("inactivity-conv-1")

    assert scheduler.schedule(a_task()) is False


@pytest.mark.parametrize("name", ODD_NAMES, ids=["slash-colon-hash", "unicode", "dot", "600-chars"])
def test_names_with_any_characters_can_be_scheduled_refused_and_cancelled(scheduler: TaskScheduler, name: str) -> None:
    assert scheduler.schedule(a_task(name)) is True
    assert scheduler.schedule(a_task(name)) is False
    assert scheduler.cancel(name) is True


def test_names_that_differ_only_in_odd_characters_are_different_tasks(scheduler: TaskScheduler) -> None:
    names = ["conv.1", "conv:1", "conv/1", "conv_1", "x" * 600 + "a", "x" * 600 + "b"]

    assert [scheduler.schedule(a_task(name)) for name in names] == [True] * len(names)
    assert [scheduler.cancel(name) for name in names] == [True] * len(names)


def test_a_due_time_without_time_zone_is_refused(scheduler: TaskScheduler) -> None:
    naive = ScheduledTask(name="t", topic="charla-timers", payload={}, due_at=datetime(2026, 1, 1, 12, 0))

    with pytest.raises(InvalidInput):
        scheduler.schedule(naive)


def test_a_payload_that_is_not_json_is_refused(scheduler: TaskScheduler) -> None:
    with pytest.raises(InvalidInput):
        scheduler.schedule(a_task(payload_with_a_set={1, 2}))


# --- SQLite: delivery through the event bus ------------------------------


def test_sqlite_a_task_is_not_published_before_it_is_due_and_once_after(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task(due_in=timedelta(minutes=5)))

    clock.advance(timedelta(minutes=5) - timedelta(microseconds=1))
    assert sqlite_scheduler.run_due() == 0
    assert bus.published == []

    clock.advance(timedelta(microseconds=1))
    assert sqlite_scheduler.run_due() == 1
    assert bus.task_names() == ["inactivity-conv-1"]


def test_sqlite_the_message_carries_the_json_payload_and_the_task_name(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task("ticket/c9", due_in=timedelta(0), kind="ticket_expiry", text="olá"))

    sqlite_scheduler.run_due()

    [(topic, data, ordering_key, attributes)] = bus.published
    assert topic == "charla-timers"
    assert json.loads(data) == {"kind": "ticket_expiry", "text": "olá"}
    assert ordering_key == ""
    assert attributes == {TASK_NAME_ATTRIBUTE: "ticket/c9"}


def test_sqlite_tasks_are_published_in_due_order(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    for name, minutes in [("late", 3), ("early", 1), ("middle", 2)]:
        sqlite_scheduler.schedule(a_task(name, due_in=timedelta(minutes=minutes)))

    clock.advance(timedelta(minutes=10))
    assert sqlite_scheduler.run_due() == 3

    assert bus.task_names() == ["early", "middle", "late"]


def test_sqlite_a_cancelled_task_never_runs(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task())
    sqlite_scheduler.cancel("inactivity-conv-1")

    clock.advance(timedelta(days=1))
    sqlite_scheduler.run_due()

    assert bus.published == []


def test_sqlite_run_due_twice_publishes_once(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task())
    clock.advance(timedelta(minutes=10))

    assert sqlite_scheduler.run_due() == 1
    assert sqlite_scheduler.run_due() == 0
    assert len(bus.published) == 1


def test_sqlite_a_delivered_task_cannot_be_cancelled(
    sqlite_scheduler: SqliteTaskScheduler, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task())
    clock.advance(timedelta(minutes=10))
    sqlite_scheduler.run_due()

    assert sqlite_scheduler.cancel("inactivity-conv-1") is False


def test_sqlite_a_task_being_published_cannot_be_cancelled(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    answers = []
    bus.on_publish = lambda topic, data, attributes: answers.append(sqlite_scheduler.cancel(attributes["task_name"]))
    sqlite_scheduler.schedule(a_task())
    clock.advance(timedelta(minutes=10))

    sqlite_scheduler.run_due()

    assert answers == [False]
    assert len(bus.published) == 1


def test_sqlite_a_delivered_name_is_refused_for_an_hour_then_free_again(
    sqlite_scheduler: SqliteTaskScheduler, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task(due_in=timedelta(0)))
    sqlite_scheduler.run_due()

    clock.advance(timedelta(minutes=59))
    assert sqlite_scheduler.schedule(a_task(due_in=timedelta(hours=2))) is False

    clock.advance(timedelta(minutes=1))
    assert sqlite_scheduler.schedule(a_task(due_in=timedelta(hours=2))) is True


def test_sqlite_scheduled_tasks_survive_a_restart(
    tasks_db: Path, bus: FakeEventBus, clock: ManualClock
) -> None:
    before = SqliteTaskScheduler(tasks_db, bus, clock)
    before.schedule(a_task("survivor", due_in=timedelta(minutes=5)))
    before.schedule(a_task("cancelled", due_in=timedelta(minutes=5)))
    before.cancel("cancelled")
    before.close()

    after = SqliteTaskScheduler(tasks_db, bus, clock)
    try:
        assert after.schedule(a_task("survivor")) is False
        clock.advance(timedelta(minutes=5))
        assert after.run_due() == 1
        assert bus.task_names() == ["survivor"]
    finally:
        after.close()


def test_sqlite_a_publish_cut_short_by_a_crash_is_delivered_again_after_restart(
    tasks_db: Path, bus: FakeEventBus, clock: ManualClock
) -> None:
    crashing = SqliteTaskScheduler(tasks_db, bus, clock, claim_lease=timedelta(seconds=60))
    crashing.schedule(a_task(due_in=timedelta(0)))
    # The bus took the message, then the process "died" before the task was marked delivered.
    bus.fail_with = SystemExit("killed")
    with pytest.raises(SystemExit):
        crashing.run_due()
    crashing.close()
    bus.fail_with = None

    restarted = SqliteTaskScheduler(tasks_db, bus, clock, claim_lease=timedelta(seconds=60))
    try:
        assert restarted.run_due() == 0  # the dead process's claim still holds
        clock.advance(timedelta(seconds=60))
        assert restarted.run_due() == 1
        assert restarted.run_due() == 0
    finally:
        restarted.close()
    # At least once: the consumer sees the same task_name twice and dedupes on it.
    assert bus.task_names() == ["inactivity-conv-1", "inactivity-conv-1"]


def test_sqlite_a_failed_publish_is_retried_after_the_retry_delay(
    tasks_db: Path, bus: FakeEventBus, clock: ManualClock
) -> None:
    scheduler = SqliteTaskScheduler(tasks_db, bus, clock, retry_delay=timedelta(seconds=10))
    try:
        scheduler.schedule(a_task("flaky", due_in=timedelta(0)))
        scheduler.schedule(a_task("fine", due_in=timedelta(seconds=1)))
        bus.fail_with = TransientError("bus unavailable")
        clock.advance(timedelta(seconds=1))
        assert scheduler.run_due() == 0
        bus.fail_with = None

        clock.advance(timedelta(seconds=9))
        assert scheduler.run_due() == 0
        clock.advance(timedelta(seconds=1))
        assert scheduler.run_due() == 2
    finally:
        scheduler.close()
    assert bus.task_names() == ["flaky", "fine", "flaky", "fine"]


def test_sqlite_two_schedulers_on_one_file_publish_each_task_once(
    tasks_db: Path, bus: FakeEventBus, clock: ManualClock
) -> None:
    first = SqliteTaskScheduler(tasks_db, bus, clock)
    second = SqliteTaskScheduler(tasks_db, bus, clock)
    names = [f"task-{i}" for i in range(150)]
    for name in names:
        first.schedule(a_task(name, due_in=timedelta(0)))
    # A slow bus keeps one scheduler publishing while the other looks for due tasks.
    bus.on_publish = lambda topic, data, attributes: time.sleep(0.001)
    counts: list[int] = []
    errors: list[BaseException] = []
    ready = threading.Barrier(2)

    def run(scheduler: SqliteTaskScheduler) -> None:
        ready.wait()
        try:
            counts.append(scheduler.run_due())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    first.close()
    second.close()

    assert errors == []
    assert sum(counts) == len(names)
    assert sorted(bus.task_names()) == sorted(names)


def test_sqlite_the_background_thread_delivers_a_due_task(
    sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus, clock: ManualClock
) -> None:
    sqlite_scheduler.schedule(a_task(due_in=timedelta(seconds=30)))
    sqlite_scheduler.start(interval_s=0.01)
    try:
        time.sleep(0.05)
        assert bus.published == []
        clock.advance(timedelta(seconds=30))
        deadline = time.monotonic() + 5
        while not bus.published and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        sqlite_scheduler.stop()

    assert bus.task_names() == ["inactivity-conv-1"]


def test_sqlite_the_background_thread_stops(sqlite_scheduler: SqliteTaskScheduler, bus: FakeEventBus,
                                            clock: ManualClock) -> None:
    sqlite_scheduler.start(interval_s=0.01)
    sqlite_scheduler.stop()
    sqlite_scheduler.schedule(a_task(due_in=timedelta(0)))

    time.sleep(0.05)

    assert bus.published == []


# --- Cloud Tasks: what the real service is asked --------------------------


def test_cloud_tasks_creates_an_http_task_that_publishes_to_pubsub_at_the_due_time(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    due_at = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=UTC)
    cloud_tasks_scheduler.schedule(
        ScheduledTask(name="inactivity-c1", topic="charla-timers", payload={"kind": "inactivity", "n": 1},
                      due_at=due_at)
    )

    [request] = fake_cloud_tasks.create_requests()
    assert request.path == f"/v2/{QUEUE_PATH}/tasks"
    task = request.json["task"]
    assert task["name"] == f"{QUEUE_PATH}/tasks/inactivity-c1"
    assert parse_rfc3339(task["scheduleTime"]) == due_at
    http = task["httpRequest"]
    assert http["url"] == "https://pubsub.googleapis.com/v1/projects/demo-test/topics/charla-timers:publish"
    assert http["httpMethod"] in (1, "POST")  # the REST transport sends enums as numbers; POST = 1
    assert http["headers"] == {"Content-Type": "application/json"}
    assert http["oauthToken"] == {
        "serviceAccountEmail": SERVICE_ACCOUNT,
        "scope": "https://www.googleapis.com/auth/pubsub",
    }
    publish = json.loads(http_body(task))
    [message] = publish["messages"]
    assert json.loads(base64.b64decode(message["data"])) == {"kind": "inactivity", "n": 1}
    assert message["attributes"] == {TASK_NAME_ATTRIBUTE: "inactivity-c1"}
    assert fake_cloud_tasks.tasks[f"{QUEUE_PATH}/tasks/inactivity-c1"]["httpRequest"]["httpMethod"] == "POST"


def test_cloud_tasks_a_due_time_in_another_zone_is_sent_as_the_same_instant(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    from zoneinfo import ZoneInfo

    due_at = datetime(2026, 3, 1, 6, 30, tzinfo=ZoneInfo("America/Sao_Paulo"))
    cloud_tasks_scheduler.schedule(ScheduledTask(name="t1", topic="charla-timers", payload={}, due_at=due_at))

    [request] = fake_cloud_tasks.create_requests()
    assert parse_rfc3339(request.json["task"]["scheduleTime"]) == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_cloud_tasks_an_odd_name_becomes_a_valid_deterministic_task_id(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    name = "inactivity/conv:42#msg-7"
    cloud_tasks_scheduler.schedule(a_task(name))
    cloud_tasks_scheduler.schedule(a_task(name))

    first, second = fake_cloud_tasks.create_requests()
    task_name = first.json["task"]["name"]
    assert task_name == second.json["task"]["name"]
    task_id = task_name.removeprefix(f"{QUEUE_PATH}/tasks/")
    assert task_id.startswith("inactivity_conv_42_msg-7-")
    assert len(task_id) <= 500
    # The consumer still dedupes on the name it was given, not on the id Cloud Tasks needed.
    message = json.loads(http_body(first.json["task"]))["messages"][0]
    assert message["attributes"] == {TASK_NAME_ATTRIBUTE: name}


def test_cloud_tasks_cancel_deletes_the_task_by_its_full_name(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    cloud_tasks_scheduler.schedule(a_task("ticket-9"))

    assert cloud_tasks_scheduler.cancel("ticket-9") is True

    delete = fake_cloud_tasks.requests[-1]
    assert (delete.method, delete.path) == ("DELETE", f"/v2/{QUEUE_PATH}/tasks/ticket-9")
    assert fake_cloud_tasks.tasks == {}


def test_cloud_tasks_a_missing_queue_is_a_permanent_error(cloud_tasks_url: str) -> None:
    scheduler = CloudTasksScheduler(PROJECT, LOCATION, "no-such-queue", SERVICE_ACCOUNT, endpoint=cloud_tasks_url)

    with pytest.raises(PermanentError):
        scheduler.schedule(a_task())


def test_cloud_tasks_an_unavailable_service_is_a_transient_error(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    fake_cloud_tasks.fail_next(503, "UNAVAILABLE")

    with pytest.raises(TransientError):
        cloud_tasks_scheduler.schedule(a_task())
    assert cloud_tasks_scheduler.schedule(a_task()) is True


def test_cloud_tasks_refused_access_is_a_configuration_error(
    cloud_tasks_scheduler: CloudTasksScheduler, fake_cloud_tasks: FakeCloudTasks
) -> None:
    fake_cloud_tasks.fail_next(403, "PERMISSION_DENIED")

    with pytest.raises(ConfigurationError):
        cloud_tasks_scheduler.schedule(a_task())
