"""History table definitions, loaded from the JSON files Terraform reads too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # BigQuery type: STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP, DATE, JSON
    mode: str  # REQUIRED or NULLABLE
    description: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    id_column: str
    partition_field: str
    clustering: tuple[str, ...]
    schema_path: Path

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@cache
def history_tables() -> dict[str, TableSpec]:
    index = json.loads((_HERE / "tables.json").read_text())
    specs = {}
    for name, meta in index.items():
        if name.startswith("_"):
            continue
        schema_path = _HERE / meta["schema"]
        columns = tuple(
            Column(c["name"], c["type"], c.get("mode", "NULLABLE"), c.get("description", ""))
            for c in json.loads(schema_path.read_text())
        )
        specs[name] = TableSpec(
            name=name,
            columns=columns,
            id_column=meta["id_column"],
            partition_field=meta["partition_field"],
            clustering=tuple(meta["clustering"]),
            schema_path=schema_path,
        )
    return specs


def table_spec(name: str) -> TableSpec:
    try:
        return history_tables()[name]
    except KeyError:
        raise KeyError(f"unknown history table {name!r}; known: {sorted(history_tables())}") from None
