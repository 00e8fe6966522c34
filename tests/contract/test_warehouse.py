"""Warehouse contract: the same history behaviour from DuckDB and from BigQuery.

BigQuery has no emulator: the real google-cloud-bigquery client talks to a local
REST stand-in (tests/support/fake_bigquery.py) that keeps the rows, so the
behaviour checks run against it, and the request shapes are checked too.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.embedded.duckdb_warehouse import DuckDBWarehouse
from shared.adapters.gcp.bigquery_warehouse import BigQueryWarehouse
from shared.errors import InvalidInput, NotFound, TransientError
from shared.history.tables import Column, history_tables
from shared.ports import Warehouse
from tests.support.fake_bigquery import FakeBigQuery
from tests.support.wsgi_server import serve_wsgi

PROJECT = "demo-test"
DATASET = "charla_history"
BRASILIA = timezone(timedelta(hours=-3))


@dataclass
class Backend:
    name: str
    open: Callable[[], Warehouse]  # a fresh adapter on the same storage


@pytest.fixture(scope="module")
def bigquery_server() -> Iterator[tuple[FakeBigQuery, str]]:
    # One server per module: stopping a werkzeug server takes half a second.
    fake = FakeBigQuery()
    with serve_wsgi(fake) as url:
        yield fake, url


@pytest.fixture
def fake_bigquery(bigquery_server: tuple[FakeBigQuery, str]) -> tuple[FakeBigQuery, str]:
    """The module's fake BigQuery, emptied."""
    bigquery_server[0].reset()
    return bigquery_server


@pytest.fixture(params=["duckdb", "bigquery"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "duckdb":
        path = tmp_path / "history" / "charla.duckdb"
        return Backend("duckdb", lambda: DuckDBWarehouse(path))
    _, url = request.getfixturevalue("fake_bigquery")
    return Backend("bigquery", lambda: BigQueryWarehouse(PROJECT, DATASET, endpoint=url))


@pytest.fixture
def fresh(backend: Backend) -> Iterator[Warehouse]:
    """An adapter whose tables do not exist yet."""
    warehouse = backend.open()
    yield warehouse
    warehouse.close()


@pytest.fixture
def warehouse(fresh: Warehouse) -> Warehouse:
    fresh.ensure_tables()
    return fresh


def event(event_id: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "event_id": event_id,
        "workspace_id": "ws-1",
        "conversation_id": "conv-1",
        "channel": "whatsapp",
        "type": "intent_matched",
        "occurred_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "intent": "opening_hours",
    }
    row.update(overrides)
    return row


def ids(rows: list[dict[str, Any]], column: str = "event_id") -> list[str]:
    return sorted(row[column] for row in rows)


# --- the contract, for every backend --------------------------------------------------------


def test_a_new_warehouse_has_every_history_table_empty(warehouse: Warehouse) -> None:
    for table in history_tables():
        assert warehouse.read_rows(table) == []


def test_ensuring_the_tables_again_changes_nothing(warehouse: Warehouse) -> None:
    warehouse.insert_rows("events", [event("e-1")])

    warehouse.ensure_tables()
    warehouse.ensure_tables()

    assert ids(warehouse.read_rows("events")) == ["e-1"]


def test_a_session_row_reads_back_with_its_types(warehouse: Warehouse) -> None:
    warehouse.insert_rows(
        "sessions",
        [
            {
                "session_id": "s-1",
                "workspace_id": "ws-1",
                "conversation_id": "conv-1",
                "channel": "telegram",
                "started_at": datetime(2026, 3, 1, 6, 0, 0, 250000, tzinfo=BRASILIA),
                "ended_at": "2026-03-01T09:05:30Z",
                "duration_s": 330.25,
                "handled_by": None,
                "intents_matched": 3,
                # not_understood left out: a NULLABLE column may be absent
            }
        ],
    )

    [row] = warehouse.read_rows("sessions")

    assert row == {
        "session_id": "s-1",
        "workspace_id": "ws-1",
        "conversation_id": "conv-1",
        "channel": "telegram",
        "started_at": datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=UTC),
        "ended_at": datetime(2026, 3, 1, 9, 5, 30, tzinfo=UTC),
        "duration_s": 330.25,
        "handled_by": None,
        "intents_matched": 3,
        "not_understood": None,
    }
    assert row["started_at"].utcoffset() == timedelta(0)
    assert row["ended_at"].utcoffset() == timedelta(0)
    assert type(row["duration_s"]) is float
    assert type(row["intents_matched"]) is int


def test_a_whole_number_in_a_float_column_reads_back_as_a_float(warehouse: Warehouse) -> None:
    warehouse.insert_rows(
        "messages",
        [
            {
                "message_id": "m-1",
                "workspace_id": "ws-1",
                "conversation_id": "conv-1",
                "channel": "webchat",
                "direction": "inbound",
                "sender_type": "user",
                "kind": "text",
                "text": "¿Abren el sábado? 🙂",
                "confidence": 1,
                "occurred_at": "2026-03-01T12:00:00+00:00",
            }
        ],
    )

    [row] = warehouse.read_rows("messages")

    assert row["confidence"] == 1.0 and type(row["confidence"]) is float
    assert row["text"] == "¿Abren el sábado? 🙂"
    assert row["occurred_at"] == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_same_row_id_twice_in_one_batch_is_stored_once(warehouse: Warehouse) -> None:
    warehouse.insert_rows("events", [event("e-1"), event("e-2"), event("e-1")])

    assert ids(warehouse.read_rows("events")) == ["e-1", "e-2"]


def test_a_redelivered_batch_adds_no_rows(warehouse: Warehouse) -> None:
    batch = [event("e-1"), event("e-2")]
    warehouse.insert_rows("events", batch)

    warehouse.insert_rows("events", batch)
    warehouse.insert_rows("events", [event("e-2"), event("e-3")])

    assert ids(warehouse.read_rows("events")) == ["e-1", "e-2", "e-3"]


def test_an_unknown_column_is_refused_by_name_and_nothing_of_the_batch_is_written(warehouse: Warehouse) -> None:
    with pytest.raises(InvalidInput) as refused:
        warehouse.insert_rows("events", [event("e-1"), event("e-2", mood="happy")])

    assert "events" in str(refused.value)
    assert "mood" in str(refused.value)
    assert warehouse.read_rows("events") == []


def test_a_missing_required_column_is_refused_by_name_and_nothing_is_written(warehouse: Warehouse) -> None:
    incomplete = event("e-2")
    del incomplete["workspace_id"]

    with pytest.raises(InvalidInput) as refused:
        warehouse.insert_rows("events", [event("e-1"), incomplete])

    assert "events" in str(refused.value)
    assert "workspace_id" in str(refused.value)
    assert warehouse.read_rows("events") == []


def test_a_required_column_set_to_none_is_refused(warehouse: Warehouse) -> None:
    with pytest.raises(InvalidInput, match="type"):
        warehouse.insert_rows("events", [event("e-1", type=None)])

    assert warehouse.read_rows("events") == []


def test_a_value_of_the_wrong_type_is_refused_by_column(warehouse: Warehouse) -> None:
    session = {
        "session_id": "s-1",
        "workspace_id": "ws-1",
        "conversation_id": "conv-1",
        "channel": "webchat",
        "started_at": datetime(2026, 3, 1, tzinfo=UTC),
        "intents_matched": "three",
    }

    with pytest.raises(InvalidInput, match=r"sessions\.intents_matched"):
        warehouse.insert_rows("sessions", [session])

    assert warehouse.read_rows("sessions") == []


def test_a_timestamp_without_a_time_zone_is_refused(warehouse: Warehouse) -> None:
    with pytest.raises(InvalidInput, match="occurred_at"):
        warehouse.insert_rows("events", [event("e-1", occurred_at=datetime(2026, 3, 1, 9, 30))])
    with pytest.raises(InvalidInput, match="occurred_at"):
        warehouse.insert_rows("events", [event("e-1", occurred_at="2026-03-01T09:30:00")])

    assert warehouse.read_rows("events") == []


def test_read_rows_returns_at_most_the_limit(warehouse: Warehouse) -> None:
    warehouse.insert_rows("events", [event(f"e-{n}") for n in range(5)])

    assert len(warehouse.read_rows("events", limit=2)) == 2
    assert len(warehouse.read_rows("events")) == 5


def test_an_empty_batch_is_a_no_op(warehouse: Warehouse) -> None:
    warehouse.insert_rows("events", [])

    assert warehouse.read_rows("events") == []


def test_an_unknown_table_is_not_found(warehouse: Warehouse) -> None:
    with pytest.raises(NotFound, match="chats"):
        warehouse.insert_rows("chats", [{"id": "x"}])
    with pytest.raises(NotFound, match="chats"):
        warehouse.read_rows("chats")


def test_writing_before_the_tables_exist_is_not_found(fresh: Warehouse) -> None:
    with pytest.raises(NotFound, match="events"):
        fresh.insert_rows("events", [event("e-1")])


def test_another_adapter_on_the_same_storage_sees_the_rows(warehouse: Warehouse, backend: Backend) -> None:
    warehouse.insert_rows("events", [event("e-1")])

    other = backend.open()
    try:
        other.insert_rows("events", [event("e-1"), event("e-2")])
        assert ids(other.read_rows("events")) == ["e-1", "e-2"]
    finally:
        other.close()
    assert ids(warehouse.read_rows("events")) == ["e-1", "e-2"]


# --- BigQuery: what goes over the wire ------------------------------------------------------


@dataclass
class BigQueryUnderTest:
    warehouse: BigQueryWarehouse
    fake: FakeBigQuery
    endpoint: str


@pytest.fixture
def bq(fake_bigquery: tuple[FakeBigQuery, str]) -> Iterator[BigQueryUnderTest]:
    """A BigQuery warehouse with its tables ensured, and the fake server behind it."""
    fake, url = fake_bigquery
    warehouse = BigQueryWarehouse(PROJECT, DATASET, endpoint=url)
    warehouse.ensure_tables()
    yield BigQueryUnderTest(warehouse, fake, url)
    warehouse.close()


def test_bigquery_tables_are_created_with_schema_day_partitions_and_clustering(bq: BigQueryUnderTest) -> None:
    bigquery = bq.fake
    [dataset] = bigquery.requests_to("POST", f"/projects/{PROJECT}/datasets")
    assert dataset.json["datasetReference"] == {"projectId": PROJECT, "datasetId": DATASET}
    assert dataset.json["location"] == "US"

    creates = {r.json["tableReference"]["tableId"]: r.json for r in bigquery.requests_to("POST", "/tables")}
    assert set(creates) == set(history_tables())
    for name, spec in history_tables().items():
        body = creates[name]
        assert body["tableReference"] == {"projectId": PROJECT, "datasetId": DATASET, "tableId": name}
        assert [(f["name"], f["type"], f["mode"]) for f in body["schema"]["fields"]] == [
            (c.name, c.type, c.mode) for c in spec.columns
        ]
        assert all(f["description"] for f in body["schema"]["fields"])
        assert body["timePartitioning"] == {"type": "DAY", "field": spec.partition_field}
        assert body["clustering"] == {"fields": list(spec.clustering)}
        assert body["description"]


def test_bigquery_rows_are_streamed_with_their_id_as_insert_id(bq: BigQueryUnderTest) -> None:
    bq.warehouse.insert_rows("events", [event("e-1", occurred_at=datetime(2026, 3, 1, 6, 30, tzinfo=BRASILIA))])

    [request] = bq.fake.requests_to("POST", "/insertAll")
    assert request.path == f"/bigquery/v2/projects/{PROJECT}/datasets/{DATASET}/tables/events/insertAll"
    [row] = request.json["rows"]
    assert row["insertId"] == "e-1"
    assert row["json"]["event_id"] == "e-1"
    assert datetime.fromisoformat(row["json"]["occurred_at"]) == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert row["json"]["occurred_at"].endswith("+00:00")
    assert request.json.get("skipInvalidRows", False) is False
    assert request.json.get("ignoreUnknownValues", False) is False


def test_bigquery_a_batch_with_a_repeated_id_is_sent_once_per_id(bq: BigQueryUnderTest) -> None:
    bq.warehouse.insert_rows("events", [event("e-1"), event("e-1")])

    [request] = bq.fake.requests_to("POST", "/insertAll")
    assert [r["insertId"] for r in request.json["rows"]] == ["e-1"]


def test_bigquery_an_invalid_batch_sends_no_request(bq: BigQueryUnderTest) -> None:
    with pytest.raises(InvalidInput):
        bq.warehouse.insert_rows("events", [event("e-1", mood="happy")])

    assert bq.fake.requests_to("POST", "/insertAll") == []


def test_bigquery_rows_the_service_rejects_are_invalid_input(bq: BigQueryUnderTest) -> None:
    # A local schema that got ahead of the deployed table: the service, not our check, refuses the row.
    events = history_tables()["events"]
    ahead = dataclasses.replace(events, columns=(*events.columns, Column("mood", "STRING", "NULLABLE", "")))
    client_side = BigQueryWarehouse(PROJECT, DATASET, endpoint=bq.endpoint, tables={"events": ahead})

    with pytest.raises(InvalidInput, match="mood"):
        client_side.insert_rows("events", [event("e-1", mood="happy"), event("e-2")])

    assert bq.fake.stored_rows(PROJECT, DATASET, "events") == []


def test_bigquery_service_unavailable_is_a_transient_error_and_the_retry_stores_once(bq: BigQueryUnderTest) -> None:
    bq.fake.fail_next(503)

    with pytest.raises(TransientError):
        bq.warehouse.insert_rows("events", [event("e-1")])
    bq.warehouse.insert_rows("events", [event("e-1")])
    bq.warehouse.insert_rows("events", [event("e-1")])

    assert ids(bq.warehouse.read_rows("events")) == ["e-1"]


def test_bigquery_reads_send_the_table_data_list_request(bq: BigQueryUnderTest) -> None:
    bq.warehouse.insert_rows("events", [event("e-1")])

    bq.warehouse.read_rows("events", limit=10)

    [request] = bq.fake.requests_to("GET", "/tables/events/data")
    assert request.path == f"/bigquery/v2/projects/{PROJECT}/datasets/{DATASET}/tables/events/data"
    assert request.query["maxResults"] == "10"


def test_bigquery_makes_no_client_until_first_used() -> None:
    warehouse = BigQueryWarehouse(PROJECT, DATASET, endpoint="http://127.0.0.1:9")

    assert warehouse._client is None
    warehouse.close()


# --- DuckDB: one file, shared by processes and threads --------------------------------------


def test_duckdb_rows_persist_across_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "charla.duckdb"
    first = DuckDBWarehouse(path)
    first.ensure_tables()
    first.insert_rows("events", [event("e-1")])
    first.close()

    again = DuckDBWarehouse(path)

    assert ids(again.read_rows("events")) == ["e-1"]


def test_duckdb_two_warehouses_on_one_file_used_alternately_both_work(tmp_path: Path) -> None:
    path = tmp_path / "charla.duckdb"
    one, two = DuckDBWarehouse(path), DuckDBWarehouse(path)
    one.ensure_tables()

    one.insert_rows("events", [event("e-1")])
    two.insert_rows("events", [event("e-2"), event("e-1")])
    one.insert_rows("events", [event("e-3")])

    assert ids(one.read_rows("events")) == ids(two.read_rows("events")) == ["e-1", "e-2", "e-3"]


def test_duckdb_concurrent_threads_lose_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "charla.duckdb"
    DuckDBWarehouse(path).ensure_tables()
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        warehouse = DuckDBWarehouse(path)
        try:
            for n in range(5):
                warehouse.insert_rows("events", [event(f"e-{worker}-{n}"), event("e-shared")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(DuckDBWarehouse(path).read_rows("events")) == 4 * 5 + 1


def test_duckdb_a_file_held_by_another_process_is_a_transient_error(tmp_path: Path) -> None:
    path = tmp_path / "charla.duckdb"
    warehouse = DuckDBWarehouse(path)
    warehouse.ensure_tables()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

        with pytest.raises(TransientError, match="another process"):
            warehouse.insert_rows("events", [event("e-1")])
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)

    warehouse.insert_rows("events", [event("e-1")])
    assert ids(warehouse.read_rows("events")) == ["e-1"]


def test_duckdb_query_returns_dicts_with_utc_timestamps(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "charla.duckdb")
    warehouse.ensure_tables()
    warehouse.insert_rows("events", [event("e-1"), event("e-2", channel="telegram")])

    rows = warehouse.query(
        "SELECT channel, count(*) AS n, max(occurred_at) AS last FROM events WHERE workspace_id = ?"
        " GROUP BY channel ORDER BY channel",
        ["ws-1"],
    )

    assert rows == [
        {"channel": "telegram", "n": 1, "last": datetime(2026, 3, 1, 9, 30, tzinfo=UTC)},
        {"channel": "whatsapp", "n": 1, "last": datetime(2026, 3, 1, 9, 30, tzinfo=UTC)},
    ]


def test_duckdb_tables_declare_the_id_column_as_primary_key(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "charla.duckdb")
    warehouse.ensure_tables()

    keys = warehouse.query(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    )

    assert {row["table_name"]: row["constraint_column_names"] for row in keys} == {
        name: [spec.id_column] for name, spec in history_tables().items()
    }
