"""Document store on Cloud Firestore (or its emulator, when FIRESTORE_EMULATOR_HOST is set).

The client is created on first use and reused by every call and thread of a
warm instance. Errors of google.api_core are translated here into the
platform's own (shared/kernel/errors.py), so use cases never see a Google exception.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.api_core import exceptions as google_errors
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import BaseQuery, FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.kernel.errors import AlreadyExists, ContentionError, NotFound, TransientError
from shared.ports.document_store import (
    EXPIRES_AT,
    Document,
    Filter,
    Transaction,
    check_collection_path,
    check_document_id,
)

T = TypeVar("T")

# The emulator locks pessimistically and aborts a contended commit after ~2 s, so
# contended transactions need more attempts than the library's default of 5.
DEFAULT_MAX_ATTEMPTS = 10
_FIRST_BACKOFF_S = 0.1
_MAX_BACKOFF_S = 1.0
_MAX_IN_VALUES = 30
_READ_AFTER_WRITE = (
    "a transaction must do all its reads before its first write (Firestore's rule); move this get() earlier"
)
_TRANSIENT = (
    google_errors.ServiceUnavailable,
    google_errors.DeadlineExceeded,
    google_errors.InternalServerError,
    google_errors.TooManyRequests,  # also ResourceExhausted
)


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except google_errors.Aborted as exc:  # before Conflict: Aborted is a Conflict too
        raise ContentionError(f"Firestore aborted the write under contention: {exc.message}") from exc
    except google_errors.Conflict as exc:  # AlreadyExists
        raise AlreadyExists(exc.message) from exc
    except google_errors.NotFound as exc:
        raise NotFound(exc.message) from exc
    except _TRANSIENT as exc:
        raise TransientError(f"Firestore unavailable: {exc}") from exc


def _field_path(field: str) -> str:
    """A dotted port path as a Firestore field path, quoting names that are not plain identifiers."""
    segments = field.split(".")
    if any(not s for s in segments):
        raise ValueError(f"field path {field!r} must be dot-separated non-empty names")
    return FieldPath(*segments).to_api_repr()


def _check_json(value: Any, where: str = "document") -> None:
    """Refuse what the embedded store could not hold, so code behaves the same on both."""
    if value is None or isinstance(value, bool | int | float | str):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, not {type(key).__name__}")
            _check_json(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} is not JSON-compatible (store instants as ISO strings)")


def _document_data(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError(f"a document must be a dict, not {type(data).__name__}")
    _check_json(data, where)
    expiry = data.get(EXPIRES_AT)
    if isinstance(expiry, str):
        # Firestore's TTL policy deletes documents by a Timestamp field; reads give it back as ISO text (_plain).
        try:
            return {**data, EXPIRES_AT: datetime.fromisoformat(expiry)}
        except ValueError:
            raise ValueError(f"{where}: {EXPIRES_AT} must be an ISO-8601 instant, got {expiry!r}") from None
    return data


def _plain(value: Any) -> Any:
    """Firestore timestamps written by other tools (console, TTL fields) as the port's ISO strings."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _snapshot_data(snapshot: Any) -> dict[str, Any] | None:
    return _plain(snapshot.to_dict()) if snapshot.exists else None


class _FirestoreTransaction:
    def __init__(self, store: FirestoreDocumentStore, transaction: firestore.Transaction) -> None:
        self._store = store
        self._transaction = transaction
        self._wrote = False

    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        if self._wrote:
            raise RuntimeError(_READ_AFTER_WRITE)
        with _translated_errors():
            return _snapshot_data(self._store._ref(collection, doc_id).get(transaction=self._transaction))

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        ref = self._store._ref(collection, doc_id)
        self._transaction.set(ref, _document_data(data, f"{collection}/{doc_id}"))
        self._wrote = True

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        ref = self._store._ref(collection, doc_id)
        self._transaction.create(ref, _document_data(data, f"{collection}/{doc_id}"))
        self._wrote = True

    def update(self, collection: str, doc_id: str, changes: dict[str, Any]) -> None:
        ref = self._store._ref(collection, doc_id)
        changes = _document_data(changes, f"{collection}/{doc_id}")
        if not changes:
            raise ValueError("update needs at least one field")
        # Keys are top-level field names; quoted so a '.' in a name is not read as nesting.
        self._transaction.update(ref, {FieldPath(key).to_api_repr(): value for key, value in changes.items()})
        self._wrote = True

    def delete(self, collection: str, doc_id: str) -> None:
        self._transaction.delete(self._store._ref(collection, doc_id))
        self._wrote = True


class FirestoreDocumentStore:
    """The DocumentStore port on Firestore, in native mode."""

    def __init__(
        self,
        project: str,
        database: str = "(default)",
        client: firestore.Client | None = None,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._project = project
        self._database = database
        self._client = client
        self._max_attempts = max(1, max_attempts)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def client(self) -> firestore.Client:
        if self._closed:
            raise RuntimeError(f"FirestoreDocumentStore({self._project!r}) is closed")
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = firestore.Client(project=self._project, database=self._database)
        return self._client

    def _ref(self, collection: str, doc_id: str) -> firestore.DocumentReference:
        check_collection_path(collection)
        check_document_id(doc_id)
        return self.client.collection(collection).document(doc_id)

    def get(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        ref = self._ref(collection, doc_id)
        with _translated_errors():
            return _snapshot_data(ref.get())

    def set(self, collection: str, doc_id: str, data: dict[str, Any]) -> None:
        ref = self._ref(collection, doc_id)
        data = _document_data(data, f"{collection}/{doc_id}")
        with _translated_errors():
            ref.set(data)

    def create(self, collection: str, doc_id: str, data: dict[str, Any]) -> bool:
        ref = self._ref(collection, doc_id)
        data = _document_data(data, f"{collection}/{doc_id}")
        try:
            with _translated_errors():
                ref.create(data)
        except AlreadyExists:
            return False
        return True

    def delete(self, collection: str, doc_id: str) -> None:
        ref = self._ref(collection, doc_id)
        with _translated_errors():
            ref.delete()

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
        query: Any = self.client.collection(collection)
        for flt in filters:
            value = flt.value
            if flt.op == "in":
                if not isinstance(value, list | tuple) or not 0 < len(value) <= _MAX_IN_VALUES:
                    raise ValueError(f"'in' needs a list of 1 to {_MAX_IN_VALUES} values, got {value!r}")
                if any(v is None for v in value):
                    # The emulator's "in" silently never matches null; refusing it keeps the backends alike.
                    raise ValueError("'in' cannot hold None; filter with '==' None separately")
                value = list(value)
            query = query.where(filter=FieldFilter(_field_path(flt.field), flt.op, value))
        if order_by:
            direction = BaseQuery.DESCENDING if descending else BaseQuery.ASCENDING
            query = query.order_by(_field_path(order_by), direction=direction)
        if limit is not None:
            query = query.limit(limit)
        with _translated_errors():
            return [Document(id=snap.id, data=_plain(snap.to_dict())) for snap in query.stream()]

    def run_transaction(self, fn: Callable[[Transaction], T]) -> T:
        attempts = 0

        def attempt(transaction: firestore.Transaction) -> T:
            nonlocal attempts
            if attempts:
                # The library retries at once; contenders that restart together collide again
                # (on the emulator each collision costs a ~2 s lock timeout). Jitter spreads them.
                # The transaction has begun but read nothing yet, so it holds no locks while waiting.
                time.sleep(random.uniform(0, min(_MAX_BACKOFF_S, _FIRST_BACKOFF_S * 2**attempts)))
            attempts += 1
            # A fresh wrapper per attempt: the read-before-write rule restarts with each retry.
            return fn(_FirestoreTransaction(self, transaction))

        transaction = self.client.transaction(max_attempts=self._max_attempts)
        try:
            with _translated_errors():
                return firestore.transactional(attempt)(transaction)
        except ValueError as exc:
            # The library reports exhausted retries as a ValueError caused by the last Aborted.
            if isinstance(exc.__cause__, google_errors.Aborted):
                raise ContentionError(
                    f"transaction still contended after {self._max_attempts} attempts: {exc.__cause__.message}"
                ) from exc
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()
