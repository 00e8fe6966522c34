"""How the fake BigQuery runs a query job: one statement of BigQuery SQL, transpiled by sqlglot and run in
a throwaway in-memory DuckDB loaded with the rows of the tables it names.

It answers the way the service does where the adapters depend on it: table names resolved in the
request's default dataset (or qualified ``dataset.table`` / ``project.dataset.table``), named parameters
typed by the request (never formatted into the SQL), a missing table 404 notFound, bad SQL or a missing
parameter 400 invalidQuery, DML returning the number of rows it changed, and DML that would touch rows
still in the streaming buffer refused (400, as the service does). Timestamps are held as epoch
microseconds, as the fake's tables hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BUFFERED = "_fake_in_streaming_buffer"  # a hidden column while DML runs: the row is in the streaming buffer
_DUCKDB_COLUMN = {
    "STRING": "VARCHAR", "INTEGER": "BIGINT", "INT64": "BIGINT", "FLOAT": "DOUBLE", "FLOAT64": "DOUBLE",
    "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN", "TIMESTAMP": "TIMESTAMPTZ", "DATE": "DATE", "JSON": "VARCHAR",
}
_RESULT_TYPE = {
    "VARCHAR": "STRING", "BIGINT": "INTEGER", "INTEGER": "INTEGER", "HUGEINT": "INTEGER", "SMALLINT": "INTEGER",
    "TINYINT": "INTEGER", "UBIGINT": "INTEGER", "UINTEGER": "INTEGER", "DOUBLE": "FLOAT", "FLOAT": "FLOAT",
    "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "TIMESTAMP": "DATETIME",
    "JSON": "JSON",
}

TableKey = tuple[str, str, str]  # project, dataset, table


@dataclass(frozen=True)
class StoredTable:
    fields: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    buffered: list[bool]  # per row: still in the streaming buffer


@dataclass
class QueryOutcome:
    statement_type: str  # SELECT, UPDATE or DELETE
    fields: list[dict[str, Any]]  # the result's schema (SELECT)
    rows: list[dict[str, Any]]  # the result's rows, stored form (SELECT)
    dml_affected_rows: int | None = None
    changed_table: TableKey | None = None  # DML: the table whose rows ``new_rows`` replace
    new_rows: list[dict[str, Any]] | None = None
    new_buffered: list[bool] | None = None


class QueryFailed(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def run_query_job(
    config: Mapping[str, Any], project: str, location: str, table: Callable[[TableKey], StoredTable | None]
) -> QueryOutcome:
    """Run the ``configuration.query`` (or jobs.query request) ``config``; QueryFailed as the service would."""
    if config.get("useLegacySql", True) is not False:
        raise QueryFailed(400, "invalid", "the fake runs standard SQL only: send useLegacySql false")
    statement = _parse(str(config.get("query", "")))
    values = _parameters(config, statement)
    default = config.get("defaultDataset") or {}
    tables = _resolve_tables(statement, project, default, location, table)
    statement = statement.transform(_bigquery_count_if)
    try:
        duck_sql = statement.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise QueryFailed(400, "invalidQuery", f"not supported by the fake's DuckDB: {exc}") from None
    target = None if isinstance(statement, exp.Query) else _key_of(statement.this, project, default)
    conn = duckdb.connect(":memory:")
    try:
        conn.execute("SET TimeZone = 'UTC'")  # BigQuery's day boundaries are UTC
        for key, stored in tables.items():
            _load(conn, key, stored, with_buffer=key == target)
        try:
            if target is None:
                return _select(conn, duck_sql, values)
            _refuse_buffered_rows(conn, statement, target, values)
            [(changed,)] = conn.execute(duck_sql, values).fetchall()
        except duckdb.Error as exc:
            raise QueryFailed(400, "invalidQuery", str(exc)) from None
        new_rows, new_buffered = _read_back(conn, target, tables[target])
        return QueryOutcome(
            statement_type=type(statement).__name__.upper(), fields=[], rows=[], dml_affected_rows=int(changed),
            changed_table=target, new_rows=new_rows, new_buffered=new_buffered,
        )
    finally:
        conn.close()


def _refuse_buffered_rows(
    conn: duckdb.DuckDBPyConnection, statement: exp.Expression, target: TableKey, values: dict[str, Any]
) -> None:
    """The service refuses UPDATE and DELETE that would change rows still in the streaming buffer."""
    condition = statement.args.get("where")
    check = exp.select("COUNT(*)").from_(statement.this.copy()).where(exp.column(_BUFFERED))
    if condition is not None:
        check = check.where(condition.this.copy())
    used = {p.name for p in check.find_all(exp.Parameter)}
    [(buffered,)] = conn.execute(check.sql(dialect="duckdb"), {k: v for k, v in values.items() if k in used}).fetchall()
    if buffered:
        raise QueryFailed(400, "invalidQuery", f"UPDATE or DELETE statement over table {'.'.join(target)} would"
                                               " affect rows in the streaming buffer, which is not supported")


def _bigquery_count_if(node: exp.Expression) -> exp.Expression:
    # BigQuery's COUNTIF over no rows or only NULL conditions is 0; DuckDB's COUNT_IF says NULL.
    if isinstance(node, exp.CountIf):
        return exp.Count(this=exp.If(this=node.this.copy(), true=exp.Literal.number(1)))
    return node


def _parse(text: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(text, read="bigquery") if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        problem = f"Unexpected {first['highlight']}" if first.get("highlight") else first.get("description", str(exc))
        where = f" at [{first.get('line')}:{first.get('col')}]" if first else ""
        raise QueryFailed(400, "invalidQuery", f"Syntax error: {problem}{where}") from None
    if len(statements) != 1:
        raise QueryFailed(400, "invalidQuery", f"the fake runs one statement, not scripts ({len(statements)} given)")
    [statement] = statements
    if not isinstance(statement, exp.Query | exp.Update | exp.Delete):
        raise QueryFailed(400, "invalidQuery", f"the fake does not run {type(statement).__name__} statements")
    return statement


def _parameters(config: Mapping[str, Any], statement: exp.Expression) -> dict[str, Any]:
    given: dict[str, Any] = {}
    parameters = config.get("queryParameters") or []
    if parameters and config.get("parameterMode") != "NAMED":
        raise QueryFailed(400, "invalid", "the fake takes named parameters only: parameterMode must be NAMED")
    for parameter in parameters:
        name = parameter.get("name")
        kind = (parameter.get("parameterType") or {}).get("type", "")
        value = (parameter.get("parameterValue") or {}).get("value")
        try:
            given[name] = None if value is None else _parameter_value(kind, value)
        except (TypeError, ValueError):
            raise QueryFailed(400, "invalid", f"Invalid value {value!r} for query parameter {name} of {kind}") from None
    used = {p.name for p in statement.find_all(exp.Parameter)}
    missing = sorted(used - given.keys())
    if missing:
        raise QueryFailed(400, "invalidQuery", f"Query parameter '{missing[0]}' not found")
    return {name: given[name] for name in used}  # DuckDB refuses values the statement does not use


def _parameter_value(kind: str, value: Any) -> Any:
    if kind == "STRING":
        return str(value)
    if kind == "INT64":
        return int(value)
    if kind == "FLOAT64":
        return float(value)
    if kind == "BOOL":
        if str(value).lower() not in ("true", "false"):
            raise ValueError(value)
        return str(value).lower() == "true"
    if kind == "TIMESTAMP":
        parsed = datetime.fromisoformat(str(value).replace(" UTC", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if kind == "DATE":
        return date.fromisoformat(str(value))
    raise ValueError(f"parameter type {kind} is not supported by the fake")


def _resolve_tables(
    statement: exp.Expression, project: str, default: Mapping[str, Any], location: str,
    table: Callable[[TableKey], StoredTable | None],
) -> dict[TableKey, StoredTable]:
    """The stored tables the statement names, its table nodes rewritten to ``dataset.table`` in DuckDB."""
    ctes = {cte.alias for cte in statement.find_all(exp.CTE)}
    found: dict[TableKey, StoredTable] = {}
    for node in list(statement.find_all(exp.Table)):
        if not node.db and node.name in ctes:
            continue
        key = _key_of(node, project, default)
        stored = table(key)
        if stored is None:
            raise QueryFailed(404, "notFound", f"Not found: Table {key[0]}:{key[1]}.{key[2]} was not found"
                                               f" in location {location}")
        found[key] = stored
        node.set("catalog", None)
        node.set("db", exp.to_identifier(key[1]))
    return found


def _key_of(node: exp.Table, project: str, default: Mapping[str, Any]) -> TableKey:
    if node.db:
        return (node.catalog or project, node.db, node.name)
    if not default.get("datasetId"):
        raise QueryFailed(400, "invalid", f'Table "{node.name}" must be qualified with a dataset'
                                          " (e.g. dataset.table).")
    return (default.get("projectId") or project, default["datasetId"], node.name)


def _load(conn: duckdb.DuckDBPyConnection, key: TableKey, stored: StoredTable, with_buffer: bool) -> None:
    _, dataset, name = key
    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{dataset}"')
    columns = [f'"{f["name"]}" {_DUCKDB_COLUMN[f.get("type", "STRING")]}' for f in stored.fields]
    if with_buffer:
        columns.append(f'"{_BUFFERED}" BOOLEAN')
    conn.execute(f'CREATE TABLE "{dataset}"."{name}" ({", ".join(columns)})')
    if not stored.rows:
        return
    timestamps = {f["name"] for f in stored.fields if f.get("type") == "TIMESTAMP"}
    values = [
        [
            _EPOCH + timedelta(microseconds=row[f["name"]]) if f["name"] in timestamps and row[f["name"]] is not None
            else row[f["name"]]
            for f in stored.fields
        ] + ([buffered] if with_buffer else [])
        for row, buffered in zip(stored.rows, stored.buffered, strict=True)
    ]
    conn.executemany(f'INSERT INTO "{dataset}"."{name}" VALUES ({", ".join("?" for _ in columns)})', values)


def _select(conn: duckdb.DuckDBPyConnection, duck_sql: str, values: dict[str, Any]) -> QueryOutcome:
    relation = conn.sql(duck_sql, params=values or None)
    fields = []
    for name, kind in zip(relation.columns, relation.types, strict=True):
        result_type = _RESULT_TYPE.get(str(kind)) or ("FLOAT" if str(kind).startswith("DECIMAL") else None)
        if result_type is None:
            raise QueryFailed(400, "invalidQuery", f"the fake cannot return column {name} of type {kind}")
        fields.append({"name": name, "type": result_type, "mode": "NULLABLE"})
    rows = [dict(zip(relation.columns, record, strict=True)) for record in _timestamps_as_micros(relation, fields)]
    for row in rows:
        for name, value in row.items():
            if isinstance(value, Decimal):
                row[name] = float(value)
    return QueryOutcome(statement_type="SELECT", fields=fields, rows=rows)


def _timestamps_as_micros(relation: duckdb.DuckDBPyRelation, fields: list[dict[str, Any]]) -> list[tuple]:
    # Reading TIMESTAMPTZ values needs pytz; epoch microseconds are what the fake stores anyway.
    projection = ", ".join(
        f'epoch_us("{f["name"]}") AS "{f["name"]}"' if f["type"] == "TIMESTAMP" else f'"{f["name"]}"'
        for f in fields
    )
    return relation.project(projection).fetchall()


def _read_back(
    conn: duckdb.DuckDBPyConnection, key: TableKey, stored: StoredTable
) -> tuple[list[dict[str, Any]], list[bool]]:
    _, dataset, name = key
    names = [f["name"] for f in stored.fields]
    projection = ", ".join(
        f'epoch_us("{f["name"]}")' if f.get("type") == "TIMESTAMP" else f'"{f["name"]}"' for f in stored.fields
    )
    records = conn.execute(f'SELECT {projection}, "{_BUFFERED}" FROM "{dataset}"."{name}"').fetchall()
    return [dict(zip(names, record[:-1], strict=True)) for record in records], [bool(r[-1]) for r in records]
