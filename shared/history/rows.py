"""Checking history rows against their table schema, once, for every warehouse.

Both warehouse adapters call ``validate_rows`` before writing anything, so a bad
batch is refused the same way everywhere (and before any request is sent):
the whole batch or nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from shared.history.tables import Column, TableSpec
from shared.kernel.errors import InvalidInput, NotFound


def spec_for(tables: Mapping[str, TableSpec], table: str) -> TableSpec:
    """The spec of ``table`` among ``tables``; NotFound naming the known ones otherwise."""
    try:
        return tables[table]
    except KeyError:
        raise NotFound(f"unknown history table {table!r}; known: {', '.join(sorted(tables))}") from None


def validate_rows(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows checked and normalized for ``spec``, duplicates of an id dropped (first one kept).

    Each returned row has every column of the table, in schema order (absent
    NULLABLE columns are None). TIMESTAMP values become aware UTC datetimes,
    DATE values dates, FLOAT values floats. Raises InvalidInput naming the table
    and column for an unknown column, a missing REQUIRED value or a value of the
    wrong type.
    """
    if isinstance(rows, Mapping | str | bytes):
        raise InvalidInput(f"{spec.name}: expected a sequence of rows, got {type(rows).__name__}")
    known = set(spec.column_names)
    normalized: list[dict[str, Any]] = []
    seen_ids: set[Any] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidInput(f"{spec.name}: row {index} is a {type(row).__name__}, expected a mapping")
        unknown = sorted(str(key) for key in row if key not in known)
        if unknown:
            raise InvalidInput(
                f"{spec.name}: unknown column {unknown[0]!r} in row {index}"
                f" (columns: {', '.join(spec.column_names)})"
            )
        clean = {column.name: _value(spec, column, row.get(column.name), index) for column in spec.columns}
        row_id = clean[spec.id_column]
        if row_id in seen_ids:
            continue
        seen_ids.add(row_id)
        normalized.append(clean)
    return normalized


def _value(spec: TableSpec, column: Column, value: Any, index: int) -> Any:
    where = f"{spec.name}.{column.name} (row {index})"
    if value is None:
        if column.mode == "REQUIRED":
            raise InvalidInput(f"{where}: missing value for REQUIRED column {column.name!r}")
        return None
    convert = _CONVERTERS.get(column.type)
    if convert is None:
        raise InvalidInput(f"{where}: column type {column.type!r} is not supported")
    result = convert(value, where)
    if column.name == spec.id_column and result == "":
        raise InvalidInput(f"{where}: the id column {column.name!r} must not be empty")
    return result


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _integer(value: Any, where: str) -> int:
    # bool is an int subclass; True in a count column is a bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{where}: expected an integer, got {type(value).__name__}")
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidInput(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{where}: expected true or false, got {type(value).__name__}")
    return value


def _timestamp(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{where}: {value!r} is not an ISO-8601 timestamp") from None
    if not isinstance(value, datetime):
        raise InvalidInput(f"{where}: expected a timestamp, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{where}: timestamp {value.isoformat()} has no time zone; history is in UTC")
    return value.astimezone(UTC)


def _date(value: Any, where: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{where}: {value!r} is not an ISO-8601 date") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(f"{where}: expected a date, got {type(value).__name__}")
    return value


def _json(value: Any, where: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{where}: not JSON-serializable ({exc})") from None
    return value


_CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "STRING": _string,
    "INTEGER": _integer,
    "FLOAT": _float,
    "BOOLEAN": _boolean,
    "TIMESTAMP": _timestamp,
    "DATE": _date,
    "JSON": _json,
}
