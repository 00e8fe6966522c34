"""Document store on one SQLite file: the embedded twin of Firestore.

The file may be shared by several threads and by several OS processes (the
local stack and separately started functions), so:

- every thread gets its own connection (sqlite3 connections must not be shared
  while in use) and a forked child never reuses its parent's connection;
- the file is in WAL mode, so readers never block the single writer;
- every write runs in ``BEGIN IMMEDIATE``, which takes the write lock before
  the first read; a read-modify-write inside it therefore cannot interleave
  with another writer in any process. Waiting for the lock is bounded
  (``busy_timeout``, then a few retries with jitter, then ContentionError).

Queries follow Firestore's semantics, so code tested locally behaves the same
in the cloud: filters match only values of the filter value's type (numbers
compare with numbers, strings with strings), ``!=`` skips documents where the
field is missing or null, ordering by a field skips documents without it and
sorts null < booleans < numbers < strings, and results are ordered by the
explicit order, then by the fields of inequality filters, then by id.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from shared.adapters.embedded.owner_only_files import owner_only_file
from shared.kernel.errors import AlreadyExists, ContentionError, NotFound
from shared.ports.document_store import Document, Filter, Transaction, check_collection_path, check_document_id

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    update_seq INTEGER NOT NULL,
    PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS documents_by_update_seq ON documents (update_seq);
-- One number per committed write transaction, so a poller can ask what changed
-- since the last number it saw (MAX(update_seq) would repeat after a delete).
CREATE TABLE IF NOT EXISTS write_sequence (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO write_sequence (singleton, value) VALUES (1, 0);
"""

_INEQUALITY_OPS = ("!=", "<", "<=", ">", ">=")
_RANGE_OPS = ("<", "<=", ">", ">=")
_MAX_IN_VALUES = 30  # Firestore's limit; enforced here too so local code cannot rely on more
_READ_AFTER_WRITE = (
    "a transaction must do all its reads before its first write (Firestore's rule); move this get() earlier"
)

# Sort rank of each JSON type, as Firestore orders values of mixed types.
_TYPE_RANK = (
    "CASE json_type(data, {p})"
    " WHEN 'null' THEN 0 WHEN 'false' THEN 1 WHEN 'true' THEN 1"
    " WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3"
    " WHEN 'array' THEN 4 ELSE 5 END"
)


def _dump(data: dict[str, Any]) -> str:
    if not isinstance(data, dict):
        raise TypeError(f"a document must be a dict, not {type(data).__name__}")
    try:
        # Sorted keys make equal maps equal text, which equality filters on maps rely on.
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except TypeError as exc:
        raise TypeError(f"a document holds only JSON values (store instants as ISO strings): {exc}") from None


def _json_path(field: str) -> str:
    segments = field.split(".")
    if any(not s or '"' in s for s in segments):
        raise ValueError(f"field path {field!r} must be dot-separated non-empty names without '\"'")
    return "$" + "".join(f'."{s}"' for s in segments)


def _prepare_file(conn: sqlite3.Connection) -> None:
    # WAL is a property of the file, set once. Switching needs an exclusive lock that SQLite
    # may refuse at once (no busy wait) while another process opens the same new file,
    # hence the check first and the caller's retries.
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(_SCHEMA)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class _Predicates:
    """Builds SQL conditions with Firestore's typed comparison rules."""

    def __init__(self) -> None:
        # Named parameters: a bound path is used several times in one condition.
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def equals(self, value_sql: str, type_sql: str, value: Any) -> str:
        """A condition that is true (never NULL) when the value is ``value`` in Firestore's sense."""
        if value is None:
            return f"({type_sql} IS 'null')"
        if isinstance(value, bool):
            return f"({type_sql} IS {self.bind('true' if value else 'false')})"
        if isinstance(value, int | float):
            return f"({type_sql} IN ('integer', 'real') AND {value_sql} = {self.bind(value)})"
        if isinstance(value, str):
            return f"({type_sql} IS 'text' AND {value_sql} = {self.bind(value)})"
        if isinstance(value, list | tuple | dict):
            kind = "object" if isinstance(value, dict) else "array"
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return f"({type_sql} IS '{kind}' AND {value_sql} = json({self.bind(text)}))"
        raise TypeError(f"cannot filter on a value of type {type(value).__name__}")

    def compare(self, value_sql: str, type_sql: str, op: str, value: Any) -> str:
        if value is None:
            raise ValueError(f"only == and != can compare with None, not {op!r}")
        if isinstance(value, bool):
            # Firestore orders false < true and compares booleans only with booleans.
            return f"({type_sql} IN ('true', 'false') AND ({type_sql} = 'true') {op} {self.bind(int(value))})"
        if isinstance(value, int | float):
            return f"({type_sql} IN ('integer', 'real') AND {value_sql} {op} {self.bind(value)})"
        if isinstance(value, str):
            return f"({type_sql} IS 'text' AND {value_sql} {op} {self.bind(value)})"
        raise ValueError(f"{op!r} needs a number, string or boolean, not {type(value).__name__}")

    def condition(self, flt: Filter) -> str:
        path = self.bind(_json_path(flt.field))
        value_sql, type_sql = f"json_extract(data, {path})", f"json_type(data, {path})"
        if flt.op == "==":
            return self.equals(value_sql, type_sql, flt.value)
        if flt.op == "!=":
            present = f"({type_sql} IS NOT NULL AND {type_sql} IS NOT 'null')"
            if flt.value is None:
                return present
            return f"({present} AND NOT {self.equals(value_sql, type_sql, flt.value)})"
        if flt.op in _RANGE_OPS:
            return self.compare(value_sql, type_sql, flt.op, flt.value)
        if flt.op == "in":
            values = flt.value
            if not isinstance(values, list | tuple) or not 0 < len(values) <= _MAX_IN_VALUES:
                raise ValueError(f"'in' needs a list of 1 to {_MAX_IN_VALUES} values, got {values!r}")
            if any(v is None for v in values):
                # Firestore's emulator silently never matches null with "in"; refusing it keeps backends alike.
                raise ValueError("'in' cannot hold None; filter with '==' None separately")
            return "(" + " OR ".join(self.equals(value_sql, type_sql, v) for v in values) + ")"
        if flt.op == "array_contains":
            element = self.equals("element.value", "element.type", flt.value)
            return (
                f"({type_sql} IS 'array' AND EXISTS"
                f" (SELECT 1 FROM json_each(data, {path}) AS element WHERE {element}))"
            )
        raise ValueError(f"unknown filter operator {flt.op!r}")


def _order_terms(field: str, descending: bool, predicates: _Predicates) -> tuple[str, list[str]]:
    """(existence condition, ORDER BY terms) for one field."""
    path = predicates.bind(_json_path(field))
    direction = "DESC" if descending else "ASC"
    terms = [f"{_TYPE_RANK.format(p=path)} {direction}", f"json_extract(data, {path}) {direction}"]
    return f"json_type(data, {path}) IS NOT NULL", terms


class _SqliteTransaction:
    """Reads go straight to the locked database; writes are buffered until commit."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._writes: list[tuple[str, str, str, str | dict[str, Any] | None]] = []
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("this transaction is finished; use the tx passed to the current run_transaction call")

    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        self._check_open()
        if self._writes:
            raise RuntimeError(_READ_AFTER_WRITE)
        return _select(self._conn, collection, doc_id)

    def _buffer(self, kind: str, collection: str, doc_id: str, payload: str | dict[str, Any] | None) -> None:
        self._check_open()
        check_collection_path(collection)
        check_document_id(doc_id)
        self._writes.append((kind, collection, doc_id, payload))

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        self._buffer("set", collection, doc_id, _dump(data))

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        self._buffer("create", collection, doc_id, _dump(data))

    def update(self, collection: str, doc_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            raise ValueError("update needs at least one field")
        # A copy taken now, so later changes by the caller do not leak into the commit.
        self._buffer("update", collection, doc_id, json.loads(_dump(changes)))

    def delete(self, collection: str, doc_id: str) -> None:
        self._buffer("delete", collection, doc_id, None)

    def _apply(self) -> None:
        """Apply the buffered writes in order; raises before COMMIT if a precondition fails."""
        self._open = False
        if not self._writes:
            return
        seq = _next_seq(self._conn)
        for kind, collection, doc_id, payload in self._writes:
            if kind == "set":
                _upsert(self._conn, collection, doc_id, payload, seq)  # type: ignore[arg-type]
            elif kind == "create":
                if not _insert(self._conn, collection, doc_id, payload, seq):  # type: ignore[arg-type]
                    raise AlreadyExists(f"{collection}/{doc_id} already exists")
            elif kind == "update":
                current = _select(self._conn, collection, doc_id)
                if current is None:
                    raise NotFound(f"{collection}/{doc_id} does not exist; cannot update it")
                current.update(payload)  # type: ignore[arg-type]
                _upsert(self._conn, collection, doc_id, _dump(current), seq)
            else:
                self._conn.execute("DELETE FROM documents WHERE collection = ? AND id = ?", (collection, doc_id))


def _select(conn: sqlite3.Connection, collection: str, doc_id: str) -> dict[str, Any] | None:
    check_collection_path(collection)
    check_document_id(doc_id)
    row = conn.execute("SELECT data FROM documents WHERE collection = ? AND id = ?", (collection, doc_id)).fetchone()
    return None if row is None else json.loads(row[0])


def _next_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("UPDATE write_sequence SET value = value + 1 WHERE singleton = 1 RETURNING value").fetchone()[0]


def _upsert(conn: sqlite3.Connection, collection: str, doc_id: str, text: str, seq: int) -> None:
    conn.execute(
        "INSERT INTO documents (collection, id, data, update_seq) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, update_seq = excluded.update_seq",
        (collection, doc_id, text, seq),
    )


def _insert(conn: sqlite3.Connection, collection: str, doc_id: str, text: str, seq: int) -> bool:
    cursor = conn.execute(
        "INSERT INTO documents (collection, id, data, update_seq) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (collection, id) DO NOTHING",
        (collection, doc_id, text, seq),
    )
    return cursor.rowcount == 1


class SqliteDocumentStore:
    """The DocumentStore port on one SQLite file (created on first use)."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_s: float = 5.0,
        max_attempts: int = 5,
    ) -> None:
        self._path = Path(path)
        self._busy_timeout_ms = max(0, int(busy_timeout_s * 1000))
        self._max_attempts = max(1, max_attempts)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._schema_ready = False
        self._closed = False

    # -- connections -------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError(f"SqliteDocumentStore({str(self._path)!r}) is closed")
        conn = getattr(self._local, "conn", None)
        # A forked child inherits the parent's thread-local; a connection must not cross fork.
        if conn is not None and self._local.pid == os.getpid():
            return conn
        owner_only_file(self._path)
        # check_same_thread=False only so close() may close every thread's connection;
        # each connection is otherwise used by the thread that opened it.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        # NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        with self._lock:
            self._connections.append(conn)
            if not self._schema_ready:
                self._with_retries(lambda: _prepare_file(conn))
                self._schema_ready = True
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _backoff(self, attempt: int) -> None:
        time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))

    def _with_retries(self, operation: Callable[[], T]) -> T:
        for attempt in range(self._max_attempts):
            try:
                return operation()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                self._backoff(attempt)
        raise ContentionError(f"{self._path} stayed locked by other writers through {self._max_attempts} attempts")

    # -- the port ----------------------------------------------------------

    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        conn = self._connection()
        return self._with_retries(lambda: _select(conn, collection, doc_id))

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        self.run_transaction(lambda tx: tx.set(collection, doc_id, data))

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> bool:
        def attempt(tx: Transaction) -> bool:
            if tx.get(collection, doc_id) is not None:
                return False
            tx.create(collection, doc_id, data)
            return True

        return self.run_transaction(attempt)

    def delete(self, collection: str, doc_id: str) -> None:
        self.run_transaction(lambda tx: tx.delete(collection, doc_id))

    def query(
        self,
        collection: str,
        filters: Sequence[Filter] = (),
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Document]:
        check_collection_path(collection)
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        if limit == 0:
            return []
        predicates = _Predicates()
        where = [f"collection = {predicates.bind(collection)}"]
        where.extend(predicates.condition(f) for f in filters)
        # Firestore's implicit order: explicit field, then inequality fields by name, then id,
        # all in the direction of the explicit order.
        order_fields = [order_by] if order_by else []
        order_fields += sorted({f.field for f in filters if f.op in _INEQUALITY_OPS} - set(order_fields))
        terms: list[str] = []
        for field in order_fields:
            exists, field_terms = _order_terms(field, descending, predicates)
            where.append(exists)
            terms.extend(field_terms)
        terms.append("id DESC" if descending else "id ASC")
        sql = f"SELECT id, data FROM documents WHERE {' AND '.join(where)} ORDER BY {', '.join(terms)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        params = predicates.params
        conn = self._connection()
        rows = self._with_retries(lambda: conn.execute(sql, params).fetchall())
        return [Document(id=row[0], data=json.loads(row[1])) for row in rows]

    def run_transaction(self, fn: Callable[[Transaction], T]) -> T:
        conn = self._connection()
        if conn.in_transaction:
            raise RuntimeError(
                "run_transaction cannot be nested, and store writes cannot be made inside one: use the tx argument"
            )
        for attempt in range(self._max_attempts):
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                self._backoff(attempt)
                continue
            tx = _SqliteTransaction(conn)
            try:
                result = fn(tx)
                tx._apply()
                conn.execute("COMMIT")
                return result
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not _is_busy(exc):
                    raise
                self._backoff(attempt)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                tx._open = False
        raise ContentionError(f"{self._path} stayed locked by other writers through {self._max_attempts} attempts")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
