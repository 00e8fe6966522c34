"""Warehouse port: append-only history rows (BigQuery in the cloud, DuckDB locally).

Tables and their schemas are defined once in ``shared/history/schemas``; every
row carries a stable id (the table's ``id_column``) so that inserting the same
row twice leaves one row (BigQuery ``insertId``; a primary key in DuckDB).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


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

    def close(self) -> None: ...
