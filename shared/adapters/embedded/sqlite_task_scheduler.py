"""Task scheduler on one SQLite file: the embedded twin of Cloud Tasks.

Tasks survive a restart: they live in a table until ``run_due`` publishes them
to their topic on the event bus. ``start()`` runs ``run_due`` in a daemon
thread, as the local stack does.

Delivery is at least once, like Cloud Tasks. ``run_due`` first *claims* the due
rows in a ``BEGIN IMMEDIATE`` transaction (a lease until ``now + claim_lease``),
then publishes, then marks each task delivered. Two schedulers on the same file
(threads or processes) therefore do not both publish a task while its lease
holds. If the process dies between publish and mark, the lease runs out and the
task is published again after restart: consumers dedupe on the ``task_name``
attribute. A publish that raises releases the task for a retry after
``retry_delay``.

Names stay taken after the task is gone, as in Cloud Tasks, which refuses a name
that was run or deleted within about an hour: a delivered or cancelled task
leaves a tombstone that blocks the name for ``name_reuse_after``; old tombstones
are purged by ``run_due``.

Instants are stored as integer microseconds since the epoch (UTC), so they
compare exactly and sort in SQL.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from shared.adapters.embedded.owner_only_files import owner_only_file
from shared.kernel.errors import InvalidInput, TransientError
from shared.ports.clock import Clock, SystemClock
from shared.ports.event_bus import EventBus
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE, ScheduledTask

log = logging.getLogger(__name__)

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BUSY_TIMEOUT_MS = 5000
_CLAIM_BATCH = 100

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduled_tasks (
    name          TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    due_at_us     INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'cancelled')),
    -- a pending task is claimed by a run_due until this instant
    claimed_until_us INTEGER,
    -- when it was delivered or cancelled: the tombstone's age
    finished_at_us   INTEGER
);
CREATE INDEX IF NOT EXISTS scheduled_tasks_due ON scheduled_tasks (state, due_at_us);
CREATE INDEX IF NOT EXISTS scheduled_tasks_finished ON scheduled_tasks (finished_at_us)
    WHERE finished_at_us IS NOT NULL;
"""


def _micros(instant: datetime) -> int:
    return _duration_us(instant - _EPOCH)


def _duration_us(duration: timedelta) -> int:
    return duration // timedelta(microseconds=1)


class SqliteTaskScheduler:
    def __init__(
        self,
        path: str | Path,
        bus: EventBus,
        clock: Clock | None = None,
        *,
        claim_lease: timedelta = timedelta(seconds=60),
        retry_delay: timedelta = timedelta(seconds=10),
        name_reuse_after: timedelta = timedelta(hours=1),
    ) -> None:
        self._path = Path(path)
        owner_only_file(self._path)
        self._bus = bus
        self._clock: Clock = clock or SystemClock()
        self._claim_lease_us = _duration_us(claim_lease)
        self._retry_delay_us = _duration_us(retry_delay)
        self._name_reuse_after_us = _duration_us(name_reuse_after)
        self._local = threading.local()
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._write(lambda db: db.executescript(_SCHEMA), begin=False)

    # --- the port ------------------------------------------------------

    def schedule(self, task: ScheduledTask) -> bool:
        payload = _validated_payload_json(task)
        due_at_us = _micros(task.due_at)
        now_us = self._now_us()

        def insert(db: sqlite3.Connection) -> bool:
            # An expired tombstone frees the name; a fresh one (or a pending task) keeps it taken.
            db.execute(
                "DELETE FROM scheduled_tasks WHERE name = ? AND state != 'pending' AND finished_at_us <= ?",
                (task.name, now_us - self._name_reuse_after_us),
            )
            cursor = db.execute(
                "INSERT INTO scheduled_tasks (name, topic, payload, due_at_us, state) VALUES (?, ?, ?, ?, 'pending')"
                " ON CONFLICT (name) DO NOTHING",
                (task.name, task.topic, payload, due_at_us),
            )
            return cursor.rowcount == 1

        return self._write(insert)

    def cancel(self, name: str) -> bool:
        if not isinstance(name, str) or not name:
            raise InvalidInput("task name must be a non-empty string")
        now_us = self._now_us()

        def mark_cancelled(db: sqlite3.Connection) -> bool:
            # A task whose lease holds is being published right now: too late to cancel it.
            cursor = db.execute(
                "UPDATE scheduled_tasks SET state = 'cancelled', finished_at_us = ?, claimed_until_us = NULL"
                " WHERE name = ? AND state = 'pending' AND (claimed_until_us IS NULL OR claimed_until_us <= ?)",
                (now_us, name, now_us),
            )
            return cursor.rowcount == 1

        return self._write(mark_cancelled)

    def close(self) -> None:
        self.stop()
        with self._connections_lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for pid, connection in connections:
            # A forked child must not close its parent's connections: SQLite could tidy up the WAL under it.
            if pid == os.getpid():
                connection.close()

    # --- the local timer -----------------------------------------------

    def run_due(self) -> int:
        """Publish every task due by now; returns how many were published."""
        published = 0
        while True:
            claimed = self._claim_due()
            for name, topic, payload in claimed:
                if self._deliver(name, topic, payload):
                    published += 1
            if len(claimed) < _CLAIM_BATCH:
                break
        self._purge_tombstones()
        return published

    def start(self, interval_s: float = 0.5) -> None:
        """Run ``run_due`` every ``interval_s`` seconds in a daemon thread (idempotent)."""
        if self._closed:
            raise RuntimeError("SqliteTaskScheduler is closed")
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval_s,), name="sqlite-task-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        if thread is not threading.current_thread():
            thread.join(timeout=10)

    def _loop(self, interval_s: float) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
            except Exception:
                # The timer thread must outlive a bad moment (locked file, bus hiccup); the next tick retries.
                log.exception("scheduled task run failed; retrying in %.1fs", interval_s)
            self._stopping.wait(interval_s)

    def _claim_due(self) -> list[tuple[str, str, str]]:
        now_us = self._now_us()

        def claim(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
            rows = db.execute(
                "SELECT name, topic, payload FROM scheduled_tasks"
                " WHERE state = 'pending' AND due_at_us <= ? AND (claimed_until_us IS NULL OR claimed_until_us <= ?)"
                " ORDER BY due_at_us, name LIMIT ?",
                (now_us, now_us, _CLAIM_BATCH),
            ).fetchall()
            db.executemany(
                "UPDATE scheduled_tasks SET claimed_until_us = ? WHERE name = ?",
                [(now_us + self._claim_lease_us, name) for name, _, _ in rows],
            )
            return rows

        return self._write(claim)

    def _deliver(self, name: str, topic: str, payload: str) -> bool:
        try:
            self._bus.publish(
                topic, payload.encode("utf-8"), ordering_key="", attributes={TASK_NAME_ATTRIBUTE: name}
            )
        except Exception:
            log.exception("publishing scheduled task to %s failed; will retry", topic)
            retry_at_us = self._now_us() + self._retry_delay_us
            self._write(lambda db: db.execute(
                "UPDATE scheduled_tasks SET claimed_until_us = ? WHERE name = ? AND state = 'pending'",
                (retry_at_us, name),
            ))
            return False
        # Published: a crash before this line means one more delivery after restart (at least once).
        finished_us = self._now_us()
        self._write(lambda db: db.execute(
            "UPDATE scheduled_tasks SET state = 'delivered', finished_at_us = ?, claimed_until_us = NULL"
            " WHERE name = ? AND state = 'pending'",
            (finished_us, name),
        ))
        return True

    def _purge_tombstones(self) -> None:
        cutoff_us = self._now_us() - self._name_reuse_after_us
        self._write(lambda db: db.execute(
            "DELETE FROM scheduled_tasks WHERE state != 'pending' AND finished_at_us <= ?", (cutoff_us,)
        ))

    # --- SQLite plumbing -----------------------------------------------

    def _now_us(self) -> int:
        return _micros(self._clock.now())

    def _write(self, fn: Callable[[sqlite3.Connection], T], *, begin: bool = True) -> T:
        try:
            with self._transaction(begin) as db:
                return fn(db)
        except sqlite3.OperationalError as exc:
            # "database is locked" after busy_timeout: another writer held the file too long.
            raise TransientError(f"task scheduler database {self._path}: {exc}") from exc

    @contextmanager
    def _transaction(self, begin: bool) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        if not begin:
            yield db
            return
        # IMMEDIATE takes the write lock up front, so a read-then-write cannot interleave with another writer.
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            # Also after a failed COMMIT: a transaction left open would break every later BEGIN.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, and none inherited across fork.
        if self._closed:
            raise RuntimeError("SqliteTaskScheduler is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and self._local.pid == os.getpid():
            return db
        with self._connections_lock:
            if self._closed:
                raise RuntimeError("SqliteTaskScheduler is closed")
            db = sqlite3.connect(
                self._path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._connections.append((os.getpid(), db))
        db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        self._local.db = db
        self._local.pid = os.getpid()
        return db


def _validated_payload_json(task: ScheduledTask) -> str:
    if not isinstance(task.name, str) or not task.name:
        raise InvalidInput("task name must be a non-empty string")
    if not task.topic:
        raise InvalidInput(f"task {task.name!r} has no topic")
    if not isinstance(task.due_at, datetime) or task.due_at.tzinfo is None:
        raise InvalidInput(f"task {task.name!r}: due_at must be a timezone-aware datetime")
    try:
        return json.dumps(task.payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"task {task.name!r}: payload is not JSON: {exc}") from None
