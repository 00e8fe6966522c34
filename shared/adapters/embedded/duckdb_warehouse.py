"""Warehouse on a local DuckDB file: the embedded twin of the BigQuery history dataset.

A DuckDB file can be open for writing in only one process at a time, and the
local stack and separately started functions may share the data dir. So no
connection is kept: each operation connects, does its work and closes, under a
process-wide lock; a lock held by another process surfaces as TransientError so
the caller's redelivery tries again a moment later.

Report and retention SQL is written once, in BigQuery SQL: ``run_query`` and
``run_statement`` transpile it with sqlglot and bind its ``@name`` parameters as
DuckDB ``$name`` parameters (values never enter the SQL text).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from shared.adapters.embedded.owner_only_files import owner_only_folder, restrict_to_owner
from shared.history.rows import spec_for, validate_rows
from shared.history.statements import QUERY_KEYWORDS, STATEMENT_KEYWORDS, bound_parameters, require_kind
from shared.history.tables import TableSpec, history_tables
from shared.kernel.errors import InvalidInput, NotFound, TransientError

_DUCKDB_TYPES = {
    "STRING": "VARCHAR",
    "INTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
    "JSON": "JSON",
}
_TIMESTAMPTZ = "TIMESTAMP WITH TIME ZONE"

# DuckDB caches one database instance per file per process; one lock for all of
# them keeps connect/close of concurrent threads from racing on that cache.
_PROCESS_LOCK = threading.RLock()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBWarehouse:
    """History tables in a DuckDB file at ``path`` (created with its folder on first use)."""

    def __init__(self, path: str | Path, tables: Mapping[str, TableSpec] | None = None) -> None:
        self._path = Path(path)
        self._tables = dict(history_tables() if tables is None else tables)

    @property
    def path(self) -> Path:
        return self._path

    def ensure_tables(self) -> None:
        """Create missing tables, and add the columns a schema file gained since a table was created
        (new columns are NULLABLE, as in BigQuery, so the rows already there read them as null)."""
        with self._connection() as conn:
            for spec in self._tables.values():
                conn.execute(self._create_table_sql(spec))
                present = {
                    name
                    for (name,) in conn.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [spec.name]
                    ).fetchall()
                }
                for column in spec.columns:
                    if column.name not in present:
                        conn.execute(
                            f"ALTER TABLE {_quote(spec.name)} ADD COLUMN {_quote(column.name)}"
                            f" {_DUCKDB_TYPES[column.type]}"
                        )

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        spec = spec_for(self._tables, table)
        clean = validate_rows(spec, rows)
        if not clean:
            return
        columns = spec.column_names
        json_columns = {c.name for c in spec.columns if c.type == "JSON"}
        values = [
            [json.dumps(row[name]) if name in json_columns and row[name] is not None else row[name] for name in columns]
            for row in clean
        ]
        sql = (
            f"INSERT INTO {_quote(spec.name)} ({', '.join(_quote(c) for c in columns)})"
            f" VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT DO NOTHING"
        )
        with self._connection() as conn:
            conn.execute("BEGIN TRANSACTION")
            try:
                conn.executemany(sql, values)
            except duckdb.Error as exc:
                conn.execute("ROLLBACK")
                raise self._translate(exc, spec.name) from exc
            conn.execute("COMMIT")

    def read_rows(self, table: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        spec = spec_for(self._tables, table)
        if limit is not None and limit < 0:
            raise InvalidInput(f"{table}: limit must not be negative, got {limit}")
        sql = f"SELECT * FROM {_quote(spec.name)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connection() as conn:
            try:
                rows = _fetch(conn, sql, None)
            except duckdb.Error as exc:
                raise self._translate(exc, spec.name) from exc
        json_columns = [c.name for c in spec.columns if c.type == "JSON"]
        for row in rows:
            for name in json_columns:
                if isinstance(row.get(name), str):
                    row[name] = json.loads(row[name])
        return rows

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL (DuckDB dialect) and return the rows as dicts; TIMESTAMPTZ values as aware UTC datetimes.

        Errors in the SQL itself propagate as DuckDB errors: report queries are code, not input.
        """
        with self._connection() as conn:
            try:
                return _fetch(conn, sql, params)
            except duckdb.IOException as exc:
                raise TransientError(f"query: DuckDB I/O error on {self._path}: {exc}") from exc

    def run_query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        require_kind(sql, QUERY_KEYWORDS, "run_query")
        duck_sql, values = _transpiled(sql, bound_parameters(params))
        with self._connection() as conn:
            _use_utc(conn)
            try:
                return _fetch(conn, duck_sql, values)
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc

    def run_statement(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        require_kind(sql, STATEMENT_KEYWORDS, "run_statement")
        duck_sql, values = _transpiled(sql, bound_parameters(params))
        with self._connection() as conn:
            _use_utc(conn)
            try:
                [(changed,)] = conn.execute(duck_sql, values).fetchall()
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc
        return int(changed)

    def close(self) -> None:
        """Nothing is held between operations."""

    def _create_table_sql(self, spec: TableSpec) -> str:
        definitions = []
        for column in spec.columns:
            definition = f"{_quote(column.name)} {_DUCKDB_TYPES[column.type]}"
            if column.name == spec.id_column:
                definition += " PRIMARY KEY"
            elif column.mode == "REQUIRED":
                definition += " NOT NULL"
            definitions.append(definition)
        return f"CREATE TABLE IF NOT EXISTS {_quote(spec.name)} ({', '.join(definitions)})"

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with _PROCESS_LOCK:
            owner_only_folder(self._path.parent)
            try:
                conn = duckdb.connect(str(self._path))
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    raise TransientError(f"DuckDB file {self._path} is in use by another process: {exc}") from exc
                raise
            restrict_to_owner(self._path)
            try:
                yield conn
            finally:
                conn.close()

    def _translate(self, exc: duckdb.Error, table: str) -> Exception:
        if isinstance(exc, duckdb.CatalogException):
            return NotFound(f"history table {table!r} does not exist in {self._path}; run ensure_tables first")
        if isinstance(exc, duckdb.IOException):
            return TransientError(f"{table}: DuckDB I/O error on {self._path}: {exc}")
        return exc

    def _refused(self, exc: duckdb.Error, sql: str) -> Exception:
        """A failure of report or retention SQL, named as BigQuery would: a missing table is NotFound,
        anything else wrong with the statement InvalidInput; a file problem is worth a retry."""
        if isinstance(exc, duckdb.IOException):
            return TransientError(f"DuckDB I/O error on {self._path}: {exc}")
        first_line = sql.strip().splitlines()[0] if sql.strip() else ""
        if isinstance(exc, duckdb.CatalogException) and "Table with name" in str(exc):
            return NotFound(f"DuckDB {self._path}: {exc} (in {first_line!r}); run ensure_tables first")
        return InvalidInput(f"DuckDB refused the statement {first_line!r}: {exc}")


def _use_utc(conn: duckdb.DuckDBPyConnection) -> None:
    # BigQuery computes DATE(ts), EXTRACT and DATE_TRUNC of a TIMESTAMP in UTC; DuckDB uses the session's
    # time zone (the machine's by default), which would move rows near midnight to another day.
    conn.execute("SET TimeZone = 'UTC'")


def _transpiled(sql: str, bound: Mapping[str, tuple[str, Any]]) -> tuple[str, dict[str, Any]]:
    """``sql`` (BigQuery) as DuckDB SQL, and the values of the parameters it uses, by name.

    InvalidInput for text that is not one BigQuery statement, for a construct DuckDB cannot run, or for a
    parameter the statement uses but ``bound`` lacks. Unused parameters are left out: DuckDB refuses them.
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

    try:
        statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
    except ParseError as exc:
        raise InvalidInput(f"not valid BigQuery SQL: {_parse_problem(exc)}") from None
    if len(statements) != 1:
        raise InvalidInput(f"expected one SQL statement, got {len(statements)}")
    [statement] = statements
    used = {parameter.name for parameter in statement.find_all(exp.Parameter)}
    missing = sorted(used - bound.keys())
    if missing:
        raise InvalidInput(f"query parameter @{missing[0]} is used but has no value")
    statement = statement.transform(_count_if_as_in_bigquery)
    try:
        duck_sql = statement.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise InvalidInput(f"this BigQuery SQL cannot run on DuckDB: {exc}") from None
    return duck_sql, {name: bound[name][1] for name in sorted(used)}


def _count_if_as_in_bigquery(node: Any) -> Any:
    """BigQuery's COUNTIF(c) is 0 over no rows or only NULL conditions; DuckDB's COUNT_IF is NULL then.
    COUNT(CASE WHEN c THEN 1 END) counts the same rows and is 0 like BigQuery's."""
    from sqlglot import exp

    if isinstance(node, exp.CountIf):
        return exp.Count(this=exp.If(this=node.this.copy(), true=exp.Literal.number(1)))
    return node


def _parse_problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None) or []
    if not errors:
        return str(exc)
    first = errors[0]
    problem = f"unexpected {first['highlight']!r}" if first.get("highlight") else first.get("description", str(exc))
    return f"{problem} (line {first.get('line')}, column {first.get('col')})"


def _fetch(
    conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    if not params:
        params = None
    elif not isinstance(params, Mapping):
        params = list(params)
    relation = conn.sql(sql, params=params)
    if relation is None:  # a statement without a result set (DDL, plain INSERT)
        return []
    columns = relation.columns
    # DuckDB returns TIMESTAMPTZ values only through pytz (not installed): read them as UTC wall time instead.
    zoned = {name for name, kind in zip(columns, relation.types, strict=True) if str(kind) == _TIMESTAMPTZ}
    if zoned:
        relation = relation.project(
            ", ".join(
                f"timezone('UTC', {_quote(name)}) AS {_quote(name)}" if name in zoned else _quote(name)
                for name in columns
            )
        )
    return [
        {
            name: value.replace(tzinfo=UTC) if name in zoned and isinstance(value, datetime) else value
            for name, value in zip(columns, record, strict=True)
        }
        for record in relation.fetchall()
    ]
