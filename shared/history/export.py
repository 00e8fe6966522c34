"""export_history's use case: write history records to the warehouse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from shared.history.tables import history_tables
from shared.kernel.errors import InvalidInput
from shared.messages.wire import HistoryRecord
from shared.ports.warehouse import Warehouse


def export_history_records(warehouse: Warehouse, records: Sequence[HistoryRecord]) -> int:
    by_table: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        if record.table not in history_tables():
            raise InvalidInput(f"history record for unknown table {record.table!r}")
        by_table[record.table].append(record.row)
    for table, rows in by_table.items():
        warehouse.insert_rows(table, rows)
    return sum(len(rows) for rows in by_table.values())
