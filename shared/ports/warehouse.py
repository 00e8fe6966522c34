"""Warehouse port: append-only history rows (BigQuery in the cloud, DuckDB locally).

Tables and their schemas are defined once in ``shared/history/schemas``; every
row carries a stable id (the table's ``id_column``) so that inserting the same
row twice leaves one row (BigQuery ``insertId``; a primary key in DuckDB).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

# BigQuery refuses UPDATE and DELETE on rows still in its streaming buffer (up to ~90 minutes after an
# insertAll); statements that change history leave rows younger than this for a later run.
STREAMING_BUFFER_HOLD = timedelta(minutes=90)


class Warehouse(Protocol):
    def ensure_tables(self) -> None:
        """Create the history tables that do not exist yet (idempotent)."""
        ...

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows; rows whose id is already stored are not added again."""
        ...

    def read_rows(self, table: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Rows of a table, in no guaranteed order (history checks and exports)."""
        ...

    def run_query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a SELECT written in BigQuery standard SQL, with named parameters (``@start``) bound from
        ``params`` (str, int, float, bool, aware datetime, date; never formatted into the text). History
        tables are named bare (``sessions``, ``events``, ``messages``): BigQuery resolves them in the
        history dataset, DuckDB runs the statement transpiled by sqlglot. Values come back typed: TIMESTAMP
        as aware UTC datetimes, DATE as dates, INT64 as ints, FLOAT64 as floats, NULL as None.
        InvalidInput naming the problem for a statement the warehouse refuses (syntax, unknown column, a
        parameter used but not given, a parameter value of no SQL type, a statement that is not a query);
        NotFound for a table that does not exist."""
        ...

    def run_statement(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Run one UPDATE or DELETE written in BigQuery standard SQL (same conventions as ``run_query``);
        the number of rows it changed. Any other statement is InvalidInput, and nothing runs. Callers
        exclude rows younger than STREAMING_BUFFER_HOLD."""
        ...

    def close(self) -> None: ...
