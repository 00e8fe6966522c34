"""Warehouse on BigQuery: the history dataset, written with streaming inserts.

Every row goes out with its id column as ``insertId``, so a redelivered export
is deduplicated by the service. Requests are not retried here: a failure
surfaces as TransientError and the Pub/Sub redelivery retries the whole batch,
which the insert ids make harmless.

Report and retention SQL runs as written (BigQuery standard SQL) through
jobs.query, with the history dataset as the default dataset (tables are named
bare) and its ``@name`` parameters sent typed, never formatted into the text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from shared.history.rows import spec_for, validate_rows
from shared.history.statements import QUERY_KEYWORDS, STATEMENT_KEYWORDS, bound_parameters, require_kind
from shared.history.tables import TableSpec, history_tables
from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound, TransientError

if TYPE_CHECKING:
    from google.cloud import bigquery

T = TypeVar("T")

_TIMEOUT_S = 30.0
# How long a query may run before the client gives up on it (and cancels it): reports over months of
# history take seconds; minutes mean something is wrong, and a retry later is better than a hung function.
_QUERY_WAIT_S = 240.0
# insertErrors reasons that say "the service had a problem", not "your row is bad".
_TRANSIENT_REASONS = frozenset({"backendError", "internalError", "timeout", "rateLimitExceeded", "badGateway"})
_COLLATERAL_REASON = "stopped"  # a valid row not written because another row of the request was invalid
# How the service words its refusal of UPDATE/DELETE over rows still in the streaming buffer (HTTP 400).
_STREAMING_BUFFER = "would affect rows in the streaming buffer"


class BigQueryWarehouse:
    """History tables in ``project.dataset``; ``endpoint`` points the client at a local stand-in."""

    def __init__(
        self,
        project: str,
        dataset: str,
        location: str = "US",
        endpoint: str = "",
        client: bigquery.Client | None = None,
        *,
        tables: Mapping[str, TableSpec] | None = None,
    ) -> None:
        self._project = project
        self._dataset = dataset
        self._location = location
        self._endpoint = endpoint
        self._client = client
        self._client_lock = threading.Lock()
        self._tables = dict(history_tables() if tables is None else tables)
        self._schemas: dict[str, list[bigquery.SchemaField]] = {}

    def ensure_tables(self) -> None:
        from google.cloud import bigquery

        client = self._bigquery()
        dataset = bigquery.Dataset(bigquery.DatasetReference(self._project, self._dataset))
        dataset.location = self._location
        dataset.description = "Charla conversation history: sessions, events and messages."
        self._call(
            f"dataset {self._dataset}",
            lambda: client.create_dataset(dataset, exists_ok=True, retry=None, timeout=_TIMEOUT_S),
        )
        for spec in self._tables.values():
            table = bigquery.Table(self._table_ref(spec), schema=self._schema(spec))
            table.time_partitioning = bigquery.TimePartitioning(
                type_=bigquery.TimePartitioningType.DAY, field=spec.partition_field
            )
            table.clustering_fields = list(spec.clustering) or None
            table.description = (
                f"Charla history: {spec.name}. One row per {spec.id_column} (streaming insertId);"
                f" partitioned by day of {spec.partition_field}."
            )
            self._call(
                spec.name, lambda t=table: client.create_table(t, exists_ok=True, retry=None, timeout=_TIMEOUT_S)
            )

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        spec = spec_for(self._tables, table)
        clean = validate_rows(spec, rows)
        if not clean:
            return
        payload = [_json_row(spec, row) for row in clean]
        row_ids = [str(row[spec.id_column]) for row in clean]
        client, ref = self._bigquery(), self._table_ref(spec)
        errors = self._call(
            spec.name,
            lambda: client.insert_rows_json(ref, payload, row_ids=row_ids, retry=None, timeout=_TIMEOUT_S),
        )
        if errors:
            raise _insert_error(spec.name, errors, row_ids)

    def read_rows(self, table: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        from google.cloud import bigquery

        spec = spec_for(self._tables, table)
        if limit is not None and limit < 0:
            raise InvalidInput(f"{table}: limit must not be negative, got {limit}")
        client = self._bigquery()
        # A Table carrying the known schema saves the tables.get round trip list_rows would make.
        target = bigquery.Table(self._table_ref(spec), schema=self._schema(spec))

        def fetch() -> list[dict[str, Any]]:
            iterator = client.list_rows(target, max_results=limit, retry=None, timeout=_TIMEOUT_S)
            return [dict(row.items()) for row in iterator]

        return self._call(spec.name, fetch)

    def run_query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        require_kind(sql, QUERY_KEYWORDS, "run_query")
        bound = bound_parameters(params)
        # Later pages are fetched while iterating: inside _call, so their failures are translated too.
        return self._call("query", lambda: [dict(row.items()) for row in self._query_and_wait(sql, bound)])

    def run_statement(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        require_kind(sql, STATEMENT_KEYWORDS, "run_statement")
        bound = bound_parameters(params)
        rows = self._call("statement", lambda: self._query_and_wait(sql, bound))
        return int(rows.num_dml_affected_rows or 0)

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _schema(self, spec: TableSpec) -> list[bigquery.SchemaField]:
        """The table's schema from its JSON file (the one Terraform reads), loaded once."""
        if spec.name not in self._schemas:
            self._schemas[spec.name] = self._bigquery().schema_from_json(str(spec.schema_path))
        return self._schemas[spec.name]

    def _bigquery(self) -> bigquery.Client:
        with self._client_lock:
            if self._client is None:
                from google.cloud import bigquery

                if self._endpoint:
                    from google.auth.credentials import AnonymousCredentials

                    self._client = bigquery.Client(
                        project=self._project,
                        location=self._location,
                        credentials=AnonymousCredentials(),
                        client_options={"api_endpoint": self._endpoint},
                    )
                else:
                    self._client = bigquery.Client(project=self._project, location=self._location)
            return self._client

    def _query_and_wait(self, sql: str, bound: Mapping[str, tuple[str, Any]]) -> bigquery.table.RowIterator:
        from google.cloud import bigquery

        parameters = [bigquery.ScalarQueryParameter(name, kind, value) for name, (kind, value) in bound.items()]
        config = bigquery.QueryJobConfig(
            default_dataset=bigquery.DatasetReference(self._project, self._dataset),
            query_parameters=parameters,
            use_legacy_sql=False,
        )
        # retry/job_retry None: a failure surfaces as TransientError and the caller decides (see module doc).
        return self._bigquery().query_and_wait(
            sql,
            job_config=config,
            location=self._location,
            api_timeout=_TIMEOUT_S,
            wait_timeout=_QUERY_WAIT_S,
            retry=None,
            job_retry=None,
        )

    def _table_ref(self, spec: TableSpec) -> bigquery.TableReference:
        from google.cloud import bigquery

        return bigquery.TableReference(bigquery.DatasetReference(self._project, self._dataset), spec.name)

    def _call(self, what: str, request: Callable[[], T]) -> T:
        """Run one client request, translating its failures at this edge."""
        import requests
        from google.api_core import exceptions as api
        from google.auth import exceptions as auth

        where = f"BigQuery {self._project}.{self._dataset}: {what}"
        try:
            return request()
        except (api.ServerError, api.TooManyRequests) as exc:
            raise TransientError(f"{where}: {exc}") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, auth.TransportError) as exc:
            raise TransientError(f"{where}: {exc}") from exc
        except TimeoutError as exc:  # a query still running after _QUERY_WAIT_S (the client cancels it)
            raise TransientError(f"{where}: no result within {_QUERY_WAIT_S:.0f} s") from exc
        except api.NotFound as exc:
            raise NotFound(f"{where}: not found ({_service_message(exc)}); run ensure_tables first") from exc
        except (api.Forbidden, api.Unauthorized) as exc:
            raise ConfigurationError(f"{where}: access refused ({exc.message})") from exc
        except auth.DefaultCredentialsError as exc:
            raise ConfigurationError(f"{where}: no Google credentials ({exc})") from exc
        except api.BadRequest as exc:
            message = _service_message(exc)
            if _STREAMING_BUFFER in message:  # rows exported minutes ago: a later run can change them
                raise TransientError(f"{where}: rows still in the streaming buffer ({message})") from exc
            raise InvalidInput(f"{where}: request refused ({message})") from exc


def _service_message(exc: Exception) -> str:
    """What the service said (e.g. "Unrecognized name: mood at [1:8]"), without the request's URL."""
    errors = getattr(exc, "errors", None) or []
    first = errors[0] if errors and isinstance(errors[0], Mapping) else {}
    return str(first.get("message") or getattr(exc, "message", exc))


def _json_row(spec: TableSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    """A validated row as insertAll JSON: timestamps and dates as ISO text, JSON values as JSON text."""
    out: dict[str, Any] = {}
    for column in spec.columns:
        value = row[column.name]
        if value is None:
            continue
        if column.type == "JSON":
            value = json.dumps(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()  # validate_rows made timestamps aware UTC
        out[column.name] = value
    return out


def _insert_error(table: str, errors: Sequence[Mapping[str, Any]], row_ids: Sequence[str]) -> Exception:
    problems = []
    transient = True
    for entry in errors:
        index = int(entry.get("index", -1))
        for error in entry.get("errors", ()):
            reason = error.get("reason", "")
            if reason == _COLLATERAL_REASON:
                continue
            if reason not in _TRANSIENT_REASONS:
                transient = False
            row_id = row_ids[index] if 0 <= index < len(row_ids) else "?"
            location = f" column {error['location']!r}" if error.get("location") else ""
            problems.append(f"row {index} ({row_id}){location}: {reason}: {error.get('message', '')}")
    if not problems:  # only "stopped" entries: nothing says why; treat as retryable
        return TransientError(f"BigQuery refused the {table} rows without a reason: {list(errors)}")
    message = f"BigQuery insert into {table} failed: " + "; ".join(problems)
    return TransientError(message) if transient else InvalidInput(message)
