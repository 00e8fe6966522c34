"""Clearing personal columns of the history tables (BigQuery, DuckDB), in BigQuery standard SQL.

Which columns are personal: ``messages.text`` only. The other tables hold ids, counts, intents and
instants; ``events.detail`` is documented (schemas/events.json) to carry no personal data (variable
names, not their values), and conversation and contact ids are pseudonymous. A column added later that
holds personal data is listed here, and every statement below clears it too.

Rows are cleared, not deleted: a message row without its text still counts in every report.
BigQuery refuses UPDATE on rows still in its streaming buffer, so every statement leaves rows younger
than the caller's ``buffer_limit`` (now - STREAMING_BUFFER_HOLD); if it refuses anyway (a row exported
late), the adapter's TransientError tells the caller to leave them for a later run.
"""

from __future__ import annotations

from datetime import datetime

from shared.channels.email import CHANNEL as EMAIL_CHANNEL
from shared.history.tables import history_tables, table_spec
from shared.ports.warehouse import Warehouse

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {"messages": ("text",)}


def _parts(table: str) -> tuple[str, str, str]:
    """(SET clause, "holds personal data" condition, the table's time column)."""
    spec = table_spec(table)
    columns = PERSONAL_COLUMNS[table]
    unknown = [c for c in columns if c not in spec.column_names]
    if unknown:
        raise KeyError(f"retention lists columns {unknown} that table {table!r} does not have")
    assignments = ", ".join(f"{c} = NULL" for c in columns)
    present = " OR ".join(f"{c} IS NOT NULL" for c in columns)
    return assignments, f"({present})", spec.partition_field


def clear_older(warehouse: Warehouse, workspace_id: str, until: datetime, since: datetime | None = None) -> int:
    """Clear the workspace's personal values of rows with ``since <= time < until``; rows changed."""
    changed = 0
    for table in PERSONAL_COLUMNS:
        assignments, present, at = _parts(table)
        params = {"workspace_id": workspace_id, "until": until}
        window = f"{at} < @until"
        if since is not None:
            window += f" AND {at} >= @since"
            params["since"] = since
        changed += warehouse.run_statement(
            f"UPDATE {table} SET {assignments} WHERE workspace_id = @workspace_id AND {window} AND {present}",
            params)
    return changed


def count_holding(warehouse: Warehouse, workspace_id: str, until: datetime, since: datetime | None = None) -> int:
    """Rows of the workspace with ``since <= time < until`` whose personal values are still there."""
    params: dict[str, object] = {"workspace_id": workspace_id, "until": until}
    window = "{at} < @until"
    if since is not None:
        window += " AND {at} >= @since"
        params["since"] = since
    return _count(warehouse, f"workspace_id = @workspace_id AND {window}", params)


def clear_conversation(warehouse: Warehouse, workspace_id: str, conversation_id: str, *, through: datetime,
                       before: datetime) -> int:
    """Clear the personal values of one conversation's rows up to ``through`` (its erasure) and older than
    ``before`` (the streaming buffer's limit); rows changed."""
    changed = 0
    for table in PERSONAL_COLUMNS:
        assignments, present, at = _parts(table)
        changed += warehouse.run_statement(
            f"UPDATE {table} SET {assignments} WHERE workspace_id = @workspace_id"
            f" AND conversation_id = @conversation_id AND {at} <= @through AND {at} < @before AND {present}",
            {"workspace_id": workspace_id, "conversation_id": conversation_id, "through": through,
             "before": before})
    return changed


def count_conversation(warehouse: Warehouse, workspace_id: str, conversation_id: str, *, through: datetime) -> int:
    """One conversation's rows up to ``through`` whose personal values are still there."""
    return _count(warehouse, "workspace_id = @workspace_id AND conversation_id = @conversation_id"
                             " AND {at} <= @through",
                  {"workspace_id": workspace_id, "conversation_id": conversation_id, "through": through})


def _count(warehouse: Warehouse, where: str, params: dict[str, object]) -> int:
    """``where`` names the table's time column ``{at}``."""
    total = 0
    for table in PERSONAL_COLUMNS:
        _, present, at = _parts(table)
        rows = warehouse.run_query(
            f"SELECT COUNT(*) AS n FROM {table} WHERE {where.format(at=at)} AND {present}", params)
        total += int(rows[0]["n"]) if rows else 0
    return total


def rows_of_conversation(warehouse: Warehouse, workspace_id: str, conversation_id: str) -> dict[str, list[dict]]:
    """Every history row of one conversation, table by table (an export of what is held)."""
    found = {}
    for table, spec in sorted(history_tables().items()):
        if "conversation_id" not in spec.column_names:
            continue
        found[table] = warehouse.run_query(
            f"SELECT * FROM {table} WHERE workspace_id = @workspace_id AND conversation_id = @conversation_id"
            f" ORDER BY {spec.partition_field}, {spec.id_column}",
            {"workspace_id": workspace_id, "conversation_id": conversation_id})
    return found


def email_message_ids(warehouse: Warehouse, workspace_id: str, *, conversation_id: str | None = None,
                      until: datetime | None = None, since: datetime | None = None) -> list[str]:
    """The ids of the emails the bots sent (send_email) for the workspace, for one conversation and/or with
    ``since <= time < until``: the warehouse is the only index of the mail blobs, which are keyed by them."""
    at = table_spec("messages").partition_field
    where = ["workspace_id = @workspace_id", "channel = @channel"]
    params: dict[str, object] = {"workspace_id": workspace_id, "channel": EMAIL_CHANNEL}
    for condition, name, value in (("conversation_id = @conversation_id", "conversation_id", conversation_id),
                                   (f"{at} < @until", "until", until), (f"{at} >= @since", "since", since)):
        if value is not None:
            where.append(condition)
            params[name] = value
    rows = warehouse.run_query(f"SELECT message_id FROM messages WHERE {' AND '.join(where)}", params)
    return sorted({str(row["message_id"]) for row in rows})
