"""Event bus in one SQLite file: durable, per-key ordered, with retries and dead letters.

Pub/Sub semantics (see shared/ports/event_bus.py) kept in four tables:
``topics``, ``subscriptions`` (with their delivery settings), ``messages``
(one row per published message, ``seq`` gives publish order) and
``deliveries`` (one row per message and subscription: attempts, when it is due,
the current lease and ack id, done).

Every state change is one ``BEGIN IMMEDIATE`` transaction, so several threads
and processes can share the file, and a crash loses nothing that ``publish``
returned for: leases are stored as instants, so after a restart an unacked
message simply becomes due again when its ack deadline has passed.

On ordered subscriptions only the oldest unfinished delivery of each ordering
key is ever handed out, so at most one message per key is outstanding. That is
stricter than Pub/Sub (which may lease several of a key in order) but gives the
same guarantee to handlers with much simpler bookkeeping.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.adapters.embedded.owner_only_files import owner_only_file
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound, TransientError
from shared.ports.clock import Clock, SystemClock
from shared.ports.event_bus import ReceivedMessage, Subscription, checked_attributes

# Pub/Sub's own attribute names on dead-lettered messages, so a dead-letter
# consumer reads the same attributes whichever backend delivered the message.
DEAD_LETTER_SOURCE_SUBSCRIPTION = "CloudPubSubDeadLetterSourceSubscription"
DEAD_LETTER_SOURCE_DELIVERY_COUNT = "CloudPubSubDeadLetterSourceDeliveryCount"
DEAD_LETTER_SOURCE_PUBLISH_TIME = "CloudPubSubDeadLetterSourceTopicPublishTime"

# Pub/Sub's rule for topic and subscription ids, enforced here too so that a name
# that works locally also works in the cloud.
_VALID_NAME = re.compile(r"(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}")

_POLL_INTERVAL_S = 0.025
_BUSY_TIMEOUT_MS = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS subscriptions (
    name TEXT PRIMARY KEY,
    topic TEXT NOT NULL REFERENCES topics(name),
    dead_letter_topic TEXT,
    max_delivery_attempts INTEGER NOT NULL,
    min_backoff_s REAL NOT NULL,
    max_backoff_s REAL NOT NULL,
    ack_deadline_s INTEGER NOT NULL,
    ordered INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions(topic);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL,
    attributes TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    publish_time_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    subscription TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES messages(seq),
    ordering_key TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_delivery_at_us INTEGER NOT NULL,
    lease_until_us INTEGER,
    ack_id TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subscription, seq)
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(subscription, seq) WHERE done = 0;
CREATE INDEX IF NOT EXISTS deliveries_pending_by_key
    ON deliveries(subscription, ordering_key, seq) WHERE done = 0;
CREATE INDEX IF NOT EXISTS deliveries_leased
    ON deliveries(subscription, lease_until_us) WHERE done = 0 AND lease_until_us IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_by_ack_id ON deliveries(ack_id) WHERE ack_id IS NOT NULL;
"""

# Due, not leased, and (on ordered subscriptions) the oldest unfinished one of its key.
_ELIGIBLE = """
SELECT d.seq, d.attempts FROM deliveries d
WHERE d.subscription = :sub AND d.done = 0 AND d.lease_until_us IS NULL AND d.next_delivery_at_us <= :now
  AND (:ordered = 0 OR d.ordering_key = '' OR d.seq = (
        SELECT MIN(e.seq) FROM deliveries e
        WHERE e.subscription = d.subscription AND e.ordering_key = d.ordering_key AND e.done = 0))
ORDER BY d.seq
LIMIT :limit
"""


def _to_us(instant: datetime) -> int:
    return (instant - _EPOCH) // timedelta(microseconds=1)


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def backoff_s(subscription: Subscription, attempts: int) -> float:
    """Delay before redelivering a message that failed its ``attempts``-th delivery."""
    return min(subscription.max_backoff_s, subscription.min_backoff_s * 2 ** max(attempts - 1, 0))


def _check_name(kind: str, name: str) -> None:
    if not _VALID_NAME.fullmatch(name):
        raise InvalidInput(
            f"invalid {kind} name {name!r}: 3-255 letters, digits or -_.~+%, starting with a letter, not 'goog'"
        )


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        # "database is locked" after busy_timeout, I/O hiccups: a retry may succeed.
        raise TransientError(f"event bus database: {exc}") from exc


class SqliteEventBus:
    """The EventBus port on one SQLite file; safe across threads and processes."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self._path = Path(path)
        self._clock = clock or SystemClock()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._schema_ready = False
        self._closed = False

    # -- connections -----------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("SqliteEventBus is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        owner_only_file(self._path)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the
        # lock up front instead of failing to upgrade a read transaction later.
        conn = sqlite3.connect(
            self._path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a publish that returned survives power loss too, not only a process crash.
        conn.execute("PRAGMA synchronous = FULL")
        with self._lock:
            if self._closed:
                conn.close()
                raise RuntimeError("SqliteEventBus is closed")
            self._close_connections_of_finished_threads()
            self._connections.append((threading.current_thread(), conn))
            if not self._schema_ready:
                self._create_schema(conn)
                self._schema_ready = True
        self._local.conn = conn
        return conn

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        # executescript commits whatever is open first, so the transaction is part of the script.
        try:
            conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _close_connections_of_finished_threads(self) -> None:
        alive = []
        for thread, conn in self._connections:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._connections = alive

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for _, conn in self._connections:
                conn.close()
            self._connections = []

    # -- topics and subscriptions ----------------------------------------

    def ensure_topic(self, topic: str) -> None:
        _check_name("topic", topic)
        with _translated_errors():
            conn = self._conn()
            with self._transaction(conn):
                conn.execute("INSERT OR IGNORE INTO topics(name) VALUES (?)", (topic,))

    def ensure_subscription(self, subscription: Subscription) -> None:
        _check_name("subscription", subscription.name)
        _check_name("topic", subscription.topic)
        if subscription.dead_letter_topic:
            _check_name("topic", subscription.dead_letter_topic)
        with _translated_errors():
            conn = self._conn()
            with self._transaction(conn):
                if conn.execute("SELECT 1 FROM topics WHERE name = ?", (subscription.topic,)).fetchone() is None:
                    raise NotFound(f"topic {subscription.topic!r} does not exist")
                existing = conn.execute(
                    "SELECT topic, ordered FROM subscriptions WHERE name = ?", (subscription.name,)
                ).fetchone()
                # Pub/Sub cannot move a subscription to another topic or switch its ordering;
                # refuse here too so a setting that works locally also works in the cloud.
                if existing is not None and (existing[0], bool(existing[1])) != (
                    subscription.topic,
                    subscription.ordered,
                ):
                    raise AlreadyExists(
                        f"subscription {subscription.name!r} exists on topic {existing[0]!r} "
                        f"(ordered={bool(existing[1])}); topic and ordering cannot be changed"
                    )
                if subscription.dead_letter_topic:
                    conn.execute("INSERT OR IGNORE INTO topics(name) VALUES (?)", (subscription.dead_letter_topic,))
                conn.execute(
                    """INSERT INTO subscriptions(name, topic, dead_letter_topic, max_delivery_attempts,
                                                 min_backoff_s, max_backoff_s, ack_deadline_s, ordered)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(name) DO UPDATE SET
                           dead_letter_topic = excluded.dead_letter_topic,
                           max_delivery_attempts = excluded.max_delivery_attempts,
                           min_backoff_s = excluded.min_backoff_s,
                           max_backoff_s = excluded.max_backoff_s,
                           ack_deadline_s = excluded.ack_deadline_s""",
                    (
                        subscription.name,
                        subscription.topic,
                        subscription.dead_letter_topic,
                        subscription.max_delivery_attempts,
                        subscription.min_backoff_s,
                        subscription.max_backoff_s,
                        subscription.ack_deadline_s,
                        int(subscription.ordered),
                    ),
                )

    @staticmethod
    def _subscription(conn: sqlite3.Connection, name: str) -> Subscription:
        row = conn.execute(
            """SELECT name, topic, dead_letter_topic, max_delivery_attempts, min_backoff_s, max_backoff_s,
                      ack_deadline_s, ordered FROM subscriptions WHERE name = ?""",
            (name,),
        ).fetchone()
        if row is None:
            raise NotFound(f"subscription {name!r} does not exist")
        return Subscription(
            name=row[0],
            topic=row[1],
            dead_letter_topic=row[2],
            max_delivery_attempts=row[3],
            min_backoff_s=row[4],
            max_backoff_s=row[5],
            ack_deadline_s=row[6],
            ordered=bool(row[7]),
        )

    # -- publishing --------------------------------------------------------

    def publish(
        self,
        topic: str,
        data: bytes,
        *,
        ordering_key: str = "",
        attributes: Mapping[str, str] | None = None,
    ) -> str:
        attributes = checked_attributes(data, attributes)
        with _translated_errors():
            conn = self._conn()
            with self._transaction(conn):
                if conn.execute("SELECT 1 FROM topics WHERE name = ?", (topic,)).fetchone() is None:
                    raise NotFound(f"topic {topic!r} does not exist")
                return self._publish_in_transaction(conn, topic, bytes(data), ordering_key, attributes)

    def _publish_in_transaction(
        self, conn: sqlite3.Connection, topic: str, data: bytes, ordering_key: str, attributes: Mapping[str, str]
    ) -> str:
        message_id = uuid.uuid4().hex
        now = _to_us(self._clock.now())
        cursor = conn.execute(
            """INSERT INTO messages(topic, message_id, data, attributes, ordering_key, publish_time_us)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (topic, message_id, data, json.dumps(dict(attributes), sort_keys=True), ordering_key, now),
        )
        # Fan out to the subscriptions that exist now; later subscriptions never see it.
        conn.execute(
            """INSERT INTO deliveries(subscription, seq, ordering_key, next_delivery_at_us)
               SELECT name, ?, ?, ? FROM subscriptions WHERE topic = ?""",
            (cursor.lastrowid, ordering_key, now, topic),
        )
        return message_id

    # -- receiving ---------------------------------------------------------

    def pull(self, subscription: str, max_messages: int = 10, timeout_s: float = 1.0) -> list[ReceivedMessage]:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            with _translated_errors():
                received = self._lease_due(subscription, max_messages)
            remaining = deadline - time.monotonic()
            if received or remaining <= 0:
                return received
            time.sleep(min(_POLL_INTERVAL_S, remaining))

    def _lease_due(self, name: str, max_messages: int) -> list[ReceivedMessage]:
        conn = self._conn()
        sub = self._subscription(conn, name)
        # Look before taking the write lock: idle polling must not queue up behind publishers.
        if not self._has_work(conn, sub, _to_us(self._clock.now())):
            return []
        with self._transaction(conn):
            sub = self._subscription(conn, name)
            now = _to_us(self._clock.now())
            self._expire_leases(conn, sub, now)
            rows = conn.execute(
                _ELIGIBLE, {"sub": sub.name, "now": now, "ordered": int(sub.ordered), "limit": max_messages}
            ).fetchall()
            lease_until = now + sub.ack_deadline_s * 1_000_000
            leased = [(seq, attempts + 1, uuid.uuid4().hex) for seq, attempts in rows]
            conn.executemany(
                """UPDATE deliveries SET attempts = ?, ack_id = ?, lease_until_us = ?
                   WHERE subscription = ? AND seq = ?""",
                [(attempts, ack_id, lease_until, sub.name, seq) for seq, attempts, ack_id in leased],
            )
            received = []
            for seq, attempts, ack_id in leased:
                message_id, data, attributes, ordering_key, publish_time_us = conn.execute(
                    "SELECT message_id, data, attributes, ordering_key, publish_time_us FROM messages WHERE seq = ?",
                    (seq,),
                ).fetchone()
                received.append(
                    ReceivedMessage(
                        ack_id=ack_id,
                        message_id=message_id,
                        data=bytes(data),
                        attributes=json.loads(attributes),
                        ordering_key=ordering_key,
                        publish_time=_from_us(publish_time_us),
                        delivery_attempt=attempts,
                    )
                )
            return received

    @staticmethod
    def _has_work(conn: sqlite3.Connection, sub: Subscription, now: int) -> bool:
        expired = conn.execute(
            """SELECT 1 FROM deliveries WHERE subscription = ? AND done = 0
               AND lease_until_us IS NOT NULL AND lease_until_us <= ? LIMIT 1""",
            (sub.name, now),
        ).fetchone()
        if expired is not None:
            return True
        due = conn.execute(_ELIGIBLE, {"sub": sub.name, "now": now, "ordered": int(sub.ordered), "limit": 1})
        return due.fetchone() is not None

    def _expire_leases(self, conn: sqlite3.Connection, sub: Subscription, now: int) -> None:
        expired = conn.execute(
            """SELECT seq, attempts, lease_until_us FROM deliveries WHERE subscription = ? AND done = 0
               AND lease_until_us IS NOT NULL AND lease_until_us <= ?""",
            (sub.name, now),
        ).fetchall()
        for seq, attempts, lease_until in expired:
            # Back off from the moment the lease ran out, not from when we noticed: after
            # a restart the message is due when it would have been without the outage.
            self._fail_delivery(conn, sub, seq, attempts, failed_at=lease_until)

    def _fail_delivery(
        self, conn: sqlite3.Connection, sub: Subscription, seq: int, attempts: int, failed_at: int
    ) -> None:
        """A delivery was nacked or its lease ran out: retry later, or dead-letter it."""
        if sub.dead_letter_topic and attempts >= sub.max_delivery_attempts:
            message = conn.execute(
                "SELECT data, attributes, ordering_key, publish_time_us FROM messages WHERE seq = ?", (seq,)
            ).fetchone()
            data, attributes, ordering_key, publish_time_us = message
            attributes = json.loads(attributes)
            attributes[DEAD_LETTER_SOURCE_SUBSCRIPTION] = sub.name
            attributes[DEAD_LETTER_SOURCE_DELIVERY_COUNT] = str(attempts)
            attributes[DEAD_LETTER_SOURCE_PUBLISH_TIME] = (
                _from_us(publish_time_us).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            )
            conn.execute("INSERT OR IGNORE INTO topics(name) VALUES (?)", (sub.dead_letter_topic,))
            # Same transaction as marking it done below: the move can be neither lost nor doubled.
            self._publish_in_transaction(conn, sub.dead_letter_topic, bytes(data), ordering_key, attributes)
            conn.execute(
                """UPDATE deliveries SET done = 1, ack_id = NULL, lease_until_us = NULL
                   WHERE subscription = ? AND seq = ?""",
                (sub.name, seq),
            )
            return
        due = failed_at + round(backoff_s(sub, attempts) * 1_000_000)
        conn.execute(
            """UPDATE deliveries SET ack_id = NULL, lease_until_us = NULL, next_delivery_at_us = ?
               WHERE subscription = ? AND seq = ?""",
            (due, sub.name, seq),
        )

    def ack(self, subscription: str, ack_ids: list[str]) -> None:
        if not ack_ids:
            return
        with _translated_errors():
            conn = self._conn()
            with self._transaction(conn):
                self._subscription(conn, subscription)
                now = _to_us(self._clock.now())
                # Unknown or expired ack ids are ignored, as in Pub/Sub: the message will come again.
                conn.executemany(
                    """UPDATE deliveries SET done = 1, ack_id = NULL, lease_until_us = NULL
                       WHERE subscription = ? AND ack_id = ? AND done = 0 AND lease_until_us > ?""",
                    [(subscription, ack_id, now) for ack_id in ack_ids],
                )

    def nack(self, subscription: str, ack_ids: list[str]) -> None:
        if not ack_ids:
            return
        with _translated_errors():
            conn = self._conn()
            with self._transaction(conn):
                sub = self._subscription(conn, subscription)
                now = _to_us(self._clock.now())
                for ack_id in ack_ids:
                    row = conn.execute(
                        """SELECT seq, attempts FROM deliveries
                           WHERE subscription = ? AND ack_id = ? AND done = 0 AND lease_until_us > ?""",
                        (subscription, ack_id, now),
                    ).fetchone()
                    if row is not None:
                        self._fail_delivery(conn, sub, row[0], row[1], failed_at=now)
