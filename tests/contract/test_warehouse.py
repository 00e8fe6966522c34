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
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.embedded.duckdb_warehouse import DuckDBWarehouse
from shared.adapters.gcp.bigquery_warehouse import BigQueryWarehouse
from shared.history.tables import Column, history_tables
from shared.kernel.errors import InvalidInput, NotFound, TransientError
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
                "handled_by": "agent",
                "intents_matched": 3,
                # not_understood left out: a NULLABLE column may be absent
                "agent_id": "ana",
                "queued_at": datetime(2026, 3, 1, 6, 2, tzinfo=BRASILIA),
                "first_response_from_queue_s": 45.5,
                "csat": 5,
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
        "handled_by": "agent",
        "intents_matched": 3,
        "not_understood": None,
        "agent_id": "ana",
        "queued_at": datetime(2026, 3, 1, 9, 2, tzinfo=UTC),
        "first_response_from_queue_s": 45.5,
        "csat": 5,
        **{name: None for name in ("contact_id", "language", "campaign", "subcampaign", "ticket_id", "queue",
                                   "agent_joined_at", "first_response_from_agent_s", "resolved_by", "resolution",
                                   "typification")},
    }
    assert row["started_at"].utcoffset() == timedelta(0)
    assert row["ended_at"].utcoffset() == timedelta(0)
    assert type(row["duration_s"]) is float
    assert type(row["intents_matched"]) is int and type(row["csat"]) is int


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


# --- report and retention SQL (BigQuery SQL, named parameters), for every backend ------------


def seeded(warehouse: Warehouse) -> Warehouse:
    """Four events of two workspaces, one of them two minutes before midnight UTC."""
    warehouse.insert_rows(
        "events",
        [
            event("e-1", occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), detail='{"agent": "ana"}'),
            event("e-2", occurred_at=datetime(2026, 3, 1, 23, 58, tzinfo=UTC), type="not_understood", intent=None),
            event("e-3", occurred_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), channel="telegram"),
            event("e-4", workspace_id="ws-2", occurred_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ],
    )
    return warehouse


def test_a_query_binds_named_parameters_and_names_tables_bare(warehouse: Warehouse) -> None:
    rows = seeded(warehouse).run_query(
        "SELECT event_id FROM events WHERE workspace_id = @workspace_id"
        " AND occurred_at >= @start AND occurred_at < @end ORDER BY event_id",
        # A start given in Brasília time is the same instant in UTC.
        {"workspace_id": "ws-1", "start": datetime(2026, 3, 1, 3, 0, tzinfo=BRASILIA),
         "end": datetime(2026, 3, 2, 0, 0, tzinfo=UTC)},
    )

    assert rows == [{"event_id": "e-1"}, {"event_id": "e-2"}]


def test_parameters_of_every_type_come_back_with_their_type(warehouse: Warehouse) -> None:
    params = {"text": "ana", "count": 3, "ratio": 0.25, "flag": True, "day": date(2026, 3, 1),
              "moment": datetime(2026, 3, 1, 6, 30, tzinfo=BRASILIA)}

    [row] = warehouse.run_query(
        "SELECT @text AS text, @count + 1 AS count, @ratio * 2 AS ratio, NOT @flag AS flag, @day AS day,"
        " @moment AS moment",
        params,
    )

    assert row == {"text": "ana", "count": 4, "ratio": 0.5, "flag": False, "day": date(2026, 3, 1),
                   "moment": datetime(2026, 3, 1, 9, 30, tzinfo=UTC)}
    assert type(row["count"]) is int and type(row["ratio"]) is float
    assert row["moment"].utcoffset() == timedelta(0)


def test_parameters_filter_by_each_type(warehouse: Warehouse) -> None:
    seeded(warehouse).insert_rows("sessions", [
        {"session_id": "s-1", "workspace_id": "ws-1", "conversation_id": "c-1", "channel": "webchat",
         "started_at": datetime(2026, 3, 1, 9, tzinfo=UTC), "duration_s": 90.5, "intents_matched": 3},
        {"session_id": "s-2", "workspace_id": "ws-1", "conversation_id": "c-2", "channel": "webchat",
         "started_at": datetime(2026, 3, 2, 9, tzinfo=UTC), "duration_s": 10.0, "intents_matched": 1},
    ])

    rows = warehouse.run_query(
        "SELECT session_id FROM sessions WHERE workspace_id = @ws AND intents_matched >= @min_intents"
        " AND duration_s > @min_duration AND DATE(started_at) = @day AND (@all OR channel = 'webchat')",
        {"ws": "ws-1", "min_intents": 2, "min_duration": 60.0, "day": date(2026, 3, 1), "all": False},
    )

    assert rows == [{"session_id": "s-1"}]


def test_query_results_keep_their_types_with_utc_timestamps_and_nulls(warehouse: Warehouse) -> None:
    rows = seeded(warehouse).run_query(
        "SELECT channel, COUNT(*) AS events, MAX(occurred_at) AS last, AVG(EXTRACT(HOUR FROM occurred_at)) AS hour,"
        " MAX(intent) AS intent, LOGICAL_OR(type = 'not_understood') AS lost"
        " FROM events WHERE workspace_id = @ws GROUP BY channel ORDER BY channel",
        {"ws": "ws-1"},
    )

    assert rows == [
        {"channel": "telegram", "events": 1, "last": datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "hour": 10.0,
         "intent": "opening_hours", "lost": False},
        {"channel": "whatsapp", "events": 2, "last": datetime(2026, 3, 1, 23, 58, tzinfo=UTC), "hour": 16.0,
         "intent": "opening_hours", "lost": True},
    ]


def test_days_and_json_details_are_read_as_bigquery_reads_them(warehouse: Warehouse) -> None:
    rows = seeded(warehouse).run_query(
        "SELECT DATE(occurred_at) AS day, COUNT(*) AS events, MAX(JSON_VALUE(detail, '$.agent')) AS agent"
        " FROM events WHERE workspace_id = @ws GROUP BY day ORDER BY day",
        {"ws": "ws-1"},
    )

    # 23:58 UTC is still March 1st: days are UTC days, whatever the machine's time zone.
    assert rows == [{"day": date(2026, 3, 1), "events": 2, "agent": "ana"},
                    {"day": date(2026, 3, 2), "events": 1, "agent": None}]



def test_countif_counts_zero_over_no_rows_and_over_null_conditions(warehouse: Warehouse) -> None:
    rows = seeded(warehouse).run_query(
        "SELECT channel, COUNTIF(intent = 'opening_hours') AS matched FROM events"
        " WHERE workspace_id = @ws AND type = 'not_understood' GROUP BY channel",
        {"ws": "ws-1"},
    )

    assert rows == [{"channel": "whatsapp", "matched": 0}]
    [nothing] = warehouse.run_query("SELECT COUNTIF(channel = 'sms') AS sms FROM events WHERE workspace_id = 'nobody'")
    assert nothing == {"sms": 0}

def test_a_query_with_no_rows_returns_an_empty_list(warehouse: Warehouse) -> None:
    assert warehouse.run_query("SELECT event_id FROM events WHERE workspace_id = @ws", {"ws": "nobody"}) == []


def test_an_update_returns_how_many_rows_it_changed(warehouse: Warehouse) -> None:
    changed = seeded(warehouse).run_statement(
        "UPDATE events SET detail = NULL, intent = 'purged' WHERE workspace_id = @ws AND occurred_at < @before",
        {"ws": "ws-1", "before": datetime(2026, 3, 2, tzinfo=UTC)},
    )

    assert changed == 2
    by_id = {row["event_id"]: row for row in warehouse.read_rows("events")}
    assert [by_id[i]["intent"] for i in ("e-1", "e-2", "e-3", "e-4")] == [
        "purged", "purged", "opening_hours", "opening_hours"]
    assert by_id["e-1"]["detail"] is None


def test_a_delete_returns_how_many_rows_it_removed(warehouse: Warehouse) -> None:
    removed = seeded(warehouse).run_statement(
        "DELETE FROM events WHERE workspace_id = @ws AND channel = @channel", {"ws": "ws-1", "channel": "whatsapp"}
    )

    assert removed == 2
    assert ids(warehouse.read_rows("events")) == ["e-3", "e-4"]


def test_a_statement_that_matches_nothing_changes_nothing(warehouse: Warehouse) -> None:
    assert seeded(warehouse).run_statement("DELETE FROM events WHERE workspace_id = @ws", {"ws": "nobody"}) == 0
    assert len(warehouse.read_rows("events")) == 4


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("SELECT FROM WHERE events", "WHERE"),  # a syntax error
        ("SELECT mood FROM events", "mood"),  # an unknown column
        ("SELECT event_id FROM events WHERE workspace_id = @ws AND type = @kind", "kind"),  # a parameter not given
    ],
)
def test_a_statement_the_warehouse_refuses_is_invalid_input_naming_the_problem(
    warehouse: Warehouse, sql: str, named: str
) -> None:
    with pytest.raises(InvalidInput, match=named):
        seeded(warehouse).run_query(sql, {"ws": "ws-1"})


def test_an_invalid_statement_changes_nothing(warehouse: Warehouse) -> None:
    with pytest.raises(InvalidInput, match="mood"):
        seeded(warehouse).run_statement("DELETE FROM events WHERE mood = 'sad'")

    assert len(warehouse.read_rows("events")) == 4


def test_a_query_on_an_unknown_table_is_not_found(warehouse: Warehouse) -> None:
    with pytest.raises(NotFound, match="chats"):
        warehouse.run_query("SELECT * FROM chats")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "None"),
        (datetime(2026, 3, 1, 9, 30), "time zone"),
        (["ws-1"], "list"),
        (float("nan"), "finite"),
    ],
)
def test_a_parameter_value_of_no_sql_type_is_refused_by_name(warehouse: Warehouse, value: Any, problem: str) -> None:
    with pytest.raises(InvalidInput, match=rf"@ws\b.*{problem}"):
        warehouse.run_query("SELECT event_id FROM events WHERE workspace_id = @ws", {"ws": value})


def test_run_query_runs_only_queries_and_run_statement_only_updates_and_deletes(warehouse: Warehouse) -> None:
    seeded(warehouse)

    with pytest.raises(InvalidInput, match="run_query"):
        warehouse.run_query("DELETE FROM events WHERE TRUE")
    with pytest.raises(InvalidInput, match="run_statement"):
        warehouse.run_statement("SELECT COUNT(*) FROM events")
    with pytest.raises(InvalidInput, match="run_statement"):
        warehouse.run_statement("DROP TABLE events")

    assert len(warehouse.read_rows("events")) == 4


def test_a_query_may_start_with_comments_and_a_with_clause(warehouse: Warehouse) -> None:
    rows = seeded(warehouse).run_query(
        "-- per channel\n/* a CTE named like no table */\nWITH mine AS (SELECT * FROM events WHERE workspace_id = @ws)"
        " SELECT channel, COUNT(*) AS n FROM mine GROUP BY channel ORDER BY n DESC",
        {"ws": "ws-1"},
    )

    assert rows == [{"channel": "whatsapp", "n": 2}, {"channel": "telegram", "n": 1}]


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


def test_bigquery_queries_go_to_jobs_query_in_the_history_dataset_with_typed_parameters(bq: BigQueryUnderTest) -> None:
    sql = "SELECT event_id FROM events WHERE workspace_id = @ws AND occurred_at >= @since AND @n > 0 AND @on"
    bq.warehouse.run_query(sql, {"ws": "ws-1", "since": datetime(2026, 3, 1, 6, 30, tzinfo=BRASILIA), "n": 2,
                                 "on": True, "day": date(2026, 3, 1), "ratio": 0.5})

    [request] = bq.fake.query_requests()
    assert (request.method, request.path) == ("POST", f"/bigquery/v2/projects/{PROJECT}/queries")
    body = request.json
    assert body["query"] == sql  # the values travel as parameters, never inside the text
    assert body["useLegacySql"] is False
    assert body["defaultDataset"] == {"projectId": PROJECT, "datasetId": DATASET}
    assert body["location"] == "US"
    assert body["parameterMode"] == "NAMED"
    assert {p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in body["queryParameters"]} == {
        "ws": ("STRING", "ws-1"),
        "since": ("TIMESTAMP", "2026-03-01 09:30:00+00:00"),
        "n": ("INT64", "2"),
        "on": ("BOOL", "true"),
        "day": ("DATE", "2026-03-01"),
        "ratio": ("FLOAT64", 0.5),
    }


def test_bigquery_statements_go_to_jobs_query_and_count_the_rows_the_service_changed(bq: BigQueryUnderTest) -> None:
    bq.warehouse.insert_rows("events", [event("e-1"), event("e-2", workspace_id="ws-2")])

    removed = bq.warehouse.run_statement("DELETE FROM events WHERE workspace_id = @ws", {"ws": "ws-2"})

    assert removed == 1
    [request] = bq.fake.query_requests()
    assert request.path == f"/bigquery/v2/projects/{PROJECT}/queries"
    assert request.json["query"] == "DELETE FROM events WHERE workspace_id = @ws"
    assert [row["event_id"] for row in bq.fake.stored_rows(PROJECT, DATASET, "events")] == ["e-1"]



def test_bigquery_a_statement_over_rows_in_the_streaming_buffer_is_transient_and_changes_nothing(
    bq: BigQueryUnderTest,
) -> None:
    bq.warehouse.insert_rows("events", [event("e-old", workspace_id="ws-2")])
    bq.fake.flush_streaming_buffer()
    bq.fake.streaming_buffer = True
    bq.warehouse.insert_rows("events", [event("e-new", workspace_id="ws-2"), event("e-other")])

    with pytest.raises(TransientError, match="streaming buffer"):
        bq.warehouse.run_statement("DELETE FROM events WHERE workspace_id = @ws", {"ws": "ws-2"})
    assert ids(bq.warehouse.read_rows("events")) == ["e-new", "e-old", "e-other"]

    # A statement that leaves the buffered rows alone runs; once they leave the buffer, any does.
    assert bq.warehouse.run_statement("DELETE FROM events WHERE event_id = @id", {"id": "e-old"}) == 1
    bq.fake.flush_streaming_buffer()
    assert bq.warehouse.run_statement("DELETE FROM events WHERE workspace_id = @ws", {"ws": "ws-2"}) == 1
    assert ids(bq.warehouse.read_rows("events")) == ["e-other"]

def test_bigquery_a_result_of_several_pages_is_read_whole(bq: BigQueryUnderTest) -> None:
    bq.warehouse.insert_rows("events", [event(f"e-{n}") for n in range(5)])
    bq.fake.page_rows = 2

    rows = bq.warehouse.run_query("SELECT event_id FROM events ORDER BY event_id")

    assert [row["event_id"] for row in rows] == [f"e-{n}" for n in range(5)]
    pages = bq.fake.requests_to("GET", "")
    assert [r.query.get("pageToken") for r in pages if "/queries/" in r.path] == ["2", "4"]


def test_bigquery_service_unavailable_during_a_query_is_a_transient_error(bq: BigQueryUnderTest) -> None:
    bq.fake.fail_next(503)

    with pytest.raises(TransientError):
        bq.warehouse.run_query("SELECT 1 AS one")
    assert bq.warehouse.run_query("SELECT 1 AS one") == [{"one": 1}]


def test_bigquery_a_refused_parameter_or_statement_kind_sends_no_request(bq: BigQueryUnderTest) -> None:
    with pytest.raises(InvalidInput):
        bq.warehouse.run_query("SELECT event_id FROM events WHERE workspace_id = @ws", {"ws": None})
    with pytest.raises(InvalidInput):
        bq.warehouse.run_statement("DROP TABLE events")

    assert bq.fake.query_requests() == []


def test_bigquery_the_stand_in_also_runs_query_jobs_inserted_by_client_query(bq: BigQueryUnderTest) -> None:
    # Other callers may use client.query (jobs.insert, jobs.get, getQueryResults): the stand-in answers it too.
    from google.cloud import bigquery

    bq.warehouse.insert_rows("events", [event("e-1"), event("e-2")])
    client = bq.warehouse._bigquery()
    config = bigquery.QueryJobConfig(
        default_dataset=f"{PROJECT}.{DATASET}",
        query_parameters=[bigquery.ScalarQueryParameter("ws", "STRING", "ws-1")],
    )

    rows = client.query("SELECT COUNT(*) AS n FROM events WHERE workspace_id = @ws", job_config=config).result()

    assert [dict(row.items()) for row in rows] == [{"n": 2}]
    assert bq.fake.requests_to("POST", f"/projects/{PROJECT}/jobs")


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



def test_duckdb_a_bigquery_construct_duckdb_cannot_run_is_invalid_input(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "charla.duckdb")
    warehouse.ensure_tables()

    with pytest.raises(InvalidInput, match="DuckDB"):
        warehouse.run_query("SELECT ARRAY_AGG(event_id ORDER BY occurred_at LIMIT 1)[OFFSET(0)] AS first FROM events")


def test_duckdb_a_history_file_from_before_a_column_was_added_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "charla.duckdb"
    sessions = history_tables()["sessions"]
    older = dataclasses.replace(sessions, columns=sessions.columns[:10])  # the sessions table before csat & co.
    before = DuckDBWarehouse(path, tables={"sessions": older})
    before.ensure_tables()
    before.insert_rows("sessions", [{"session_id": "s-1", "workspace_id": "ws-1", "conversation_id": "c-1",
                                     "channel": "webchat", "started_at": datetime(2026, 3, 1, tzinfo=UTC)}])

    now = DuckDBWarehouse(path)
    now.ensure_tables()
    now.insert_rows("sessions", [{"session_id": "s-2", "workspace_id": "ws-1", "conversation_id": "c-2",
                                  "channel": "webchat", "started_at": datetime(2026, 3, 2, tzinfo=UTC), "csat": 4}])

    assert {row["session_id"]: row["csat"] for row in now.read_rows("sessions")} == {"s-1": None, "s-2": 4}

def test_duckdb_tables_declare_the_id_column_as_primary_key(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "charla.duckdb")
    warehouse.ensure_tables()

    keys = warehouse.query(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    )

    assert {row["table_name"]: row["constraint_column_names"] for row in keys} == {
        name: [spec.id_column] for name, spec in history_tables().items()
    }
