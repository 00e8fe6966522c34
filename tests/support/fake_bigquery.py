"""A local stand-in for the BigQuery v2 REST API, enough for the history warehouse.

There is no BigQuery emulator, so the adapter's tests point the real
google-cloud-bigquery client at this WSGI app (``serve_wsgi``). It keeps real
state (datasets, tables with their schema, rows) so behaviour checks run against
it, answers the way the service does (insertErrors for bad rows, insertId
deduplication, tabledata.list encoding) and records every request so tests can
assert the shapes the real service expects.

Endpoints (all under /bigquery/v2):
  POST /projects/P/datasets                                   datasets.insert
  GET  /projects/P/datasets/D                                 datasets.get
  POST /projects/P/datasets/D/tables                          tables.insert
  GET  /projects/P/datasets/D/tables/T                        tables.get
  POST /projects/P/datasets/D/tables/T/insertAll              tabledata.insertAll
  GET  /projects/P/datasets/D/tables/T/data                   tabledata.list
  POST /projects/P/queries                                    jobs.query
  GET  /projects/P/queries/J                                  jobs.getQueryResults
  POST /projects/P/jobs                                       jobs.insert (query jobs)
  GET  /projects/P/jobs/J                                     jobs.get

Query jobs run synchronously (tests/support/fake_bigquery_sql.py): every job is
complete when created. ``page_rows`` makes results span several pages, as large
results do on the service. With ``streaming_buffer`` on, inserted rows stay in
the streaming buffer (UPDATE and DELETE may not touch them) until
``flush_streaming_buffer``.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.support.fake_bigquery_sql import QueryFailed, QueryOutcome, StoredTable, TableKey, run_query_job

_PROJECT = "/bigquery/v2/projects/<project>"
_PREFIX = f"{_PROJECT}/datasets"
_STATUS_NAMES = {
    400: ("invalid", "INVALID_ARGUMENT"),
    403: ("accessDenied", "PERMISSION_DENIED"),
    404: ("notFound", "NOT_FOUND"),
    409: ("duplicate", "ALREADY_EXISTS"),
    429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED"),
    500: ("internalError", "INTERNAL"),
    503: ("backendError", "UNAVAILABLE"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any


@dataclass
class _Table:
    resource: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    buffered: list[bool] = field(default_factory=list)  # per row: still in the streaming buffer
    insert_ids: set[str] = field(default_factory=set)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.resource.get("schema", {}).get("fields", [])


@dataclass
class _Job:
    resource: dict[str, Any]
    outcome: QueryOutcome | None = None
    failure: QueryFailed | None = None


class _RowError(Exception):
    def __init__(self, location: str, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


class FakeBigQuery:
    """WSGI app with in-memory BigQuery state; see the module docstring for the endpoints."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._datasets: dict[tuple[str, str], dict[str, Any]] = {}
        self._tables: dict[tuple[str, str, str], _Table] = {}
        self._failures: list[int] = []
        self._jobs: dict[tuple[str, str], _Job] = {}
        self.page_rows: int | None = None  # at most this many result rows per response (None: all of them)
        self.streaming_buffer = False  # inserted rows stay in the streaming buffer until flushed
        self._lock = threading.Lock()
        self._urls = Map(
            [
                Rule(_PREFIX, methods=["POST"], endpoint="datasets_insert"),
                Rule(f"{_PREFIX}/<dataset>", methods=["GET"], endpoint="datasets_get"),
                Rule(f"{_PREFIX}/<dataset>/tables", methods=["POST"], endpoint="tables_insert"),
                Rule(f"{_PREFIX}/<dataset>/tables/<table>", methods=["GET"], endpoint="tables_get"),
                Rule(f"{_PREFIX}/<dataset>/tables/<table>/insertAll", methods=["POST"], endpoint="insert_all"),
                Rule(f"{_PREFIX}/<dataset>/tables/<table>/data", methods=["GET"], endpoint="list_rows"),
                Rule(f"{_PROJECT}/queries", methods=["POST"], endpoint="jobs_query"),
                Rule(f"{_PROJECT}/queries/<job_id>", methods=["GET"], endpoint="get_query_results"),
                Rule(f"{_PROJECT}/jobs", methods=["POST"], endpoint="jobs_insert"),
                Rule(f"{_PROJECT}/jobs/<job_id>", methods=["GET"], endpoint="jobs_get"),
            ],
            strict_slashes=False,
        )

    # --- controls and inspection for tests -------------------------------------------------

    def reset(self) -> None:
        """Forget every dataset, table, row, recorded request and pending failure."""
        with self._lock:
            self.requests.clear()
            self._datasets.clear()
            self._tables.clear()
            self._failures.clear()
            self._jobs.clear()
            self.page_rows = None
            self.streaming_buffer = False

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` requests with an HTTP ``status`` error (after recording them)."""
        with self._lock:
            self._failures.extend([status] * times)

    def stored_rows(self, project: str, dataset: str, table: str) -> list[dict[str, Any]]:
        """The rows stored in a table, as the fake holds them (TIMESTAMP as epoch microseconds)."""
        with self._lock:
            return copy.deepcopy(self._tables[(project, dataset, table)].rows)

    def flush_streaming_buffer(self) -> None:
        """Every row leaves the streaming buffer (the service does so within about 90 minutes)."""
        with self._lock:
            for stored in self._tables.values():
                stored.buffered = [False] * len(stored.rows)

    def table_resource(self, project: str, dataset: str, table: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._tables[(project, dataset, table)].resource)

    def requests_to(self, method: str, suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    def query_requests(self) -> list[RecordedRequest]:
        """The requests that started a query: jobs.query, and jobs.insert of query jobs."""
        return [
            r for r in self.requests
            if r.method == "POST" and (r.path.endswith("/queries") or r.path.endswith("/jobs"))
        ]

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self._respond(request)(environ, start_response)

    def _respond(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return _error(400, "Request body is not JSON")
        with self._lock:
            self.requests.append(
                RecordedRequest(request.method, request.path, dict(request.args.items()), payload)
            )
            if self._failures:
                return _error(self._failures.pop(0), "Injected failure")
            try:
                endpoint, args = self._urls.bind_to_environ(request.environ).match()
            except HTTPException as exc:
                return _error(exc.code or 404, f"No such endpoint: {request.method} {request.path}")
            return getattr(self, f"_{endpoint}")(payload or {}, request.args, **args)

    # --- datasets --------------------------------------------------------------------------

    def _datasets_insert(self, body: dict[str, Any], _args: Any, project: str) -> Response:
        ref = body.get("datasetReference") or {}
        dataset = ref.get("datasetId")
        if not dataset:
            return _error(400, "Dataset reference is missing")
        if (project, dataset) in self._datasets:
            return _error(409, f"Already Exists: Dataset {project}:{dataset}")
        resource = {
            **body,
            "kind": "bigquery#dataset",
            "id": f"{project}:{dataset}",
            "datasetReference": {"projectId": project, "datasetId": dataset},
            "location": body.get("location", "US"),
            "creationTime": str(int(time.time() * 1000)),
        }
        self._datasets[(project, dataset)] = resource
        return _json(resource)

    def _datasets_get(self, _body: dict[str, Any], _args: Any, project: str, dataset: str) -> Response:
        resource = self._datasets.get((project, dataset))
        if resource is None:
            return _error(404, f"Not found: Dataset {project}:{dataset}")
        return _json(resource)

    # --- tables ----------------------------------------------------------------------------

    def _tables_insert(self, body: dict[str, Any], _args: Any, project: str, dataset: str) -> Response:
        if (project, dataset) not in self._datasets:
            return _error(404, f"Not found: Dataset {project}:{dataset}")
        table = (body.get("tableReference") or {}).get("tableId")
        if not table:
            return _error(400, "Table reference is missing")
        if (project, dataset, table) in self._tables:
            return _error(409, f"Already Exists: Table {project}:{dataset}.{table}")
        resource = {
            **body,
            "kind": "bigquery#table",
            "id": f"{project}:{dataset}.{table}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": table},
            "type": "TABLE",
            "creationTime": str(int(time.time() * 1000)),
            "location": self._datasets[(project, dataset)]["location"],
        }
        self._tables[(project, dataset, table)] = _Table(resource)
        return _json(self._table_view(self._tables[(project, dataset, table)]))

    def _tables_get(self, _body: dict[str, Any], _args: Any, project: str, dataset: str, table: str) -> Response:
        stored = self._tables.get((project, dataset, table))
        if stored is None:
            return _error(404, f"Not found: Table {project}:{dataset}.{table}")
        return _json(self._table_view(stored))

    @staticmethod
    def _table_view(stored: _Table) -> dict[str, Any]:
        return {**stored.resource, "numRows": str(len(stored.rows))}

    # --- tabledata -------------------------------------------------------------------------

    def _insert_all(self, body: dict[str, Any], _args: Any, project: str, dataset: str, table: str) -> Response:
        stored = self._tables.get((project, dataset, table))
        if stored is None:
            return _error(404, f"Not found: Table {project}:{dataset}.{table}")
        rows = body.get("rows")
        if not isinstance(rows, list) or not rows:
            return _error(400, "No rows present in the request.")
        skip_invalid = bool(body.get("skipInvalidRows"))
        ignore_unknown = bool(body.get("ignoreUnknownValues"))
        accepted: list[tuple[str | None, dict[str, Any]]] = []
        errors: dict[int, dict[str, Any]] = {}
        for index, entry in enumerate(rows):
            try:
                accepted.append((entry.get("insertId"), self._parse_row(stored, entry.get("json"), ignore_unknown)))
            except _RowError as exc:
                errors[index] = {"reason": "invalid", "location": exc.location, "debugInfo": "", "message": exc.message}
        if errors and not skip_invalid:
            # The service writes nothing and marks the valid rows "stopped".
            stopped = {"reason": "stopped", "location": "", "debugInfo": "", "message": ""}
            return _json(
                {
                    "kind": "bigquery#tableDataInsertAllResponse",
                    "insertErrors": [{"index": i, "errors": [errors.get(i, stopped)]} for i in range(len(rows))],
                }
            )
        for insert_id, row in accepted:
            if insert_id is not None:
                if insert_id in stored.insert_ids:
                    continue
                stored.insert_ids.add(insert_id)
            stored.rows.append(row)
            stored.buffered.append(self.streaming_buffer)
        response: dict[str, Any] = {"kind": "bigquery#tableDataInsertAllResponse"}
        if errors:
            response["insertErrors"] = [{"index": i, "errors": [e]} for i, e in sorted(errors.items())]
        return _json(response)

    def _parse_row(self, stored: _Table, data: Any, ignore_unknown: bool) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise _RowError("", "Row is not a JSON object.")
        fields = {f["name"]: f for f in stored.fields}
        for name in data:
            if name not in fields and not ignore_unknown:
                raise _RowError(name, f"no such field: {name}.")
        row: dict[str, Any] = {}
        for name, spec in fields.items():
            value = data.get(name)
            if value is None:
                if spec.get("mode") == "REQUIRED":
                    raise _RowError(name, f"Missing required field: {name}.")
                row[name] = None
                continue
            try:
                row[name] = _parse_value(spec.get("type", "STRING"), value)
            except (TypeError, ValueError):
                raise _RowError(name, f"Cannot convert value to {spec.get('type', '').lower()}: {value!r}") from None
        return row

    def _list_rows(self, _body: dict[str, Any], args: Any, project: str, dataset: str, table: str) -> Response:
        stored = self._tables.get((project, dataset, table))
        if stored is None:
            return _error(404, f"Not found: Table {project}:{dataset}.{table}")
        start = int(args.get("pageToken") or args.get("startIndex") or 0)
        count = int(args["maxResults"]) if "maxResults" in args else len(stored.rows)
        fields = stored.fields
        if args.get("selectedFields"):
            wanted = args["selectedFields"].split(",")
            fields = [f for f in fields if f["name"] in wanted]
        int64_timestamps = str(args.get("formatOptions.useInt64Timestamp", "")).lower() == "true"
        page = stored.rows[start : start + count]
        response: dict[str, Any] = {
            "kind": "bigquery#tableDataList",
            "etag": f"etag-{len(stored.rows)}",
            "totalRows": str(len(stored.rows)),
        }
        if page:
            response["rows"] = [
                {"f": [{"v": _encode_value(f.get("type", "STRING"), row[f["name"]], int64_timestamps)} for f in fields]}
                for row in page
            ]
        if start + count < len(stored.rows):
            response["pageToken"] = str(start + count)
        return _json(response)


    # --- query jobs ------------------------------------------------------------------------

    def _jobs_query(self, body: dict[str, Any], _args: Any, project: str) -> Response:
        location = body.get("location", "US")
        job = self._run_job(project, f"job_{uuid.uuid4().hex}", location, body)
        if job.failure is not None:  # jobs.query answers a failed query with the error itself
            return _error(job.failure.status, job.failure.message, job.failure.reason)
        int64 = bool((body.get("formatOptions") or {}).get("useInt64Timestamp"))
        return _json(self._results(job, "bigquery#queryResponse", 0, body.get("maxResults"), int64))

    def _get_query_results(self, _body: dict[str, Any], args: Any, project: str, job_id: str) -> Response:
        job = self._jobs.get((project, job_id))
        if job is None:
            return _error(404, f"Not found: Job {project}:{job_id}")
        if job.failure is not None:
            return _error(job.failure.status, job.failure.message, job.failure.reason)
        start = int(args.get("pageToken") or args.get("startIndex") or 0)
        int64 = str(args.get("formatOptions.useInt64Timestamp", "")).lower() == "true"
        limit = int(args["maxResults"]) if "maxResults" in args else None
        return _json(self._results(job, "bigquery#getQueryResultsResponse", start, limit, int64))

    def _jobs_insert(self, body: dict[str, Any], _args: Any, project: str) -> Response:
        reference = body.get("jobReference") or {}
        query = (body.get("configuration") or {}).get("query")
        if query is None:
            return _error(400, "the fake runs query jobs only")
        job_id = reference.get("jobId") or f"job_{uuid.uuid4().hex}"
        if (project, job_id) in self._jobs:
            return _error(409, f"Already Exists: Job {project}:{job_id}")
        job = self._run_job(project, job_id, reference.get("location") or "US", query)
        return _json(job.resource)

    def _jobs_get(self, _body: dict[str, Any], _args: Any, project: str, job_id: str) -> Response:
        job = self._jobs.get((project, job_id))
        if job is None:
            return _error(404, f"Not found: Job {project}:{job_id}")
        return _json(job.resource)

    def _run_job(self, project: str, job_id: str, location: str, config: dict[str, Any]) -> _Job:
        now = str(int(time.time() * 1000))
        resource: dict[str, Any] = {
            "kind": "bigquery#job",
            "id": f"{project}:{location}.{job_id}",
            "jobReference": {"projectId": project, "jobId": job_id, "location": location},
            "configuration": {"jobType": "QUERY", "query": copy.deepcopy(config)},
            "status": {"state": "DONE"},
            "statistics": {"creationTime": now, "startTime": now, "endTime": now, "query": {}},
        }
        job = _Job(resource)
        try:
            job.outcome = run_query_job(config, project, location, self._stored_table)
        except QueryFailed as failed:
            job.failure = failed
            error = {"reason": failed.reason, "message": failed.message, "location": "query"}
            resource["status"].update(errorResult=error, errors=[error])
        else:
            stats = resource["statistics"]["query"]
            stats.update(statementType=job.outcome.statement_type, totalBytesProcessed="0")
            if job.outcome.dml_affected_rows is not None:
                stats["numDmlAffectedRows"] = str(job.outcome.dml_affected_rows)
            if job.outcome.changed_table is not None and job.outcome.new_rows is not None:
                changed = self._tables[job.outcome.changed_table]
                changed.rows, changed.buffered = job.outcome.new_rows, job.outcome.new_buffered or []
        self._jobs[(project, job_id)] = job
        return job

    def _stored_table(self, key: TableKey) -> StoredTable | None:
        stored = self._tables.get(key)
        return None if stored is None else StoredTable(stored.fields, stored.rows, stored.buffered)

    def _results(self, job: _Job, kind: str, start: int, max_results: Any, int64: bool) -> dict[str, Any]:
        assert job.outcome is not None
        outcome = job.outcome
        response: dict[str, Any] = {
            "kind": kind,
            "jobReference": job.resource["jobReference"],
            "jobComplete": True,
            "totalBytesProcessed": "0",
            "cacheHit": False,
        }
        if outcome.dml_affected_rows is not None:
            response["numDmlAffectedRows"] = str(outcome.dml_affected_rows)
            return response
        limits = [int(n) for n in (max_results, self.page_rows) if n is not None]
        count = min(limits) if limits else len(outcome.rows)
        page = outcome.rows[start : start + count]
        response["schema"] = {"fields": outcome.fields}
        response["totalRows"] = str(len(outcome.rows))
        if page:
            response["rows"] = [
                {"f": [{"v": _encode_value(f["type"], row[f["name"]], int64)} for f in outcome.fields]} for row in page
            ]
        if start + count < len(outcome.rows):
            response["pageToken"] = str(start + count)
        return response


def _parse_value(kind: str, value: Any) -> Any:
    """A JSON value as insertAll would accept it for a column of ``kind``; ValueError if it would not."""
    if kind == "STRING":
        if isinstance(value, dict | list):
            raise ValueError(value)
        return value if isinstance(value, str) else json.dumps(value)
    if kind in ("INTEGER", "INT64"):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        return int(value)
    if kind in ("FLOAT", "FLOAT64"):
        if isinstance(value, bool):
            raise ValueError(value)
        return float(value)
    if kind in ("BOOLEAN", "BOOL"):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise ValueError(value)
    if kind == "TIMESTAMP":
        return _timestamp_micros(value)
    if kind == "DATE":
        return date.fromisoformat(str(value))
    if kind == "JSON":
        return json.dumps(json.loads(value) if isinstance(value, str) else value)
    raise ValueError(f"type {kind} is not supported by the fake")


def _timestamp_micros(value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * 1_000_000)  # epoch seconds
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[: -len(" UTC")] + "+00:00"
    parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # BigQuery reads a zone-less timestamp as UTC
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _encode_value(kind: str, value: Any, int64_timestamps: bool) -> str | None:
    """A stored value as tabledata.list encodes it: every cell is a string (or null)."""
    if value is None:
        return None
    if kind == "TIMESTAMP":
        # With formatOptions.useInt64Timestamp the service sends epoch microseconds, else float seconds.
        return str(value) if int64_timestamps else repr(value / 1_000_000)
    if kind in ("BOOLEAN", "BOOL"):
        return "true" if value else "false"
    if kind in ("DATE", "DATETIME"):
        return value.isoformat()
    return str(value)


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _error(status: int, message: str, reason: str = "") -> Response:
    default_reason, status_name = _STATUS_NAMES.get(status, ("backendError", "UNKNOWN"))
    reason = reason or default_reason
    return _json(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
                "status": status_name,
            }
        },
        status=status,
    )
