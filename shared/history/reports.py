"""The ready-made history reports: one BigQuery SQL file each in ``reports/``, run on any warehouse.

Every report takes the workspace and a window, ``@workspace_id``, ``@start`` (inclusive) and ``@end``
(exclusive), plus the extra parameters it declares (with their defaults). The SQL runs as written on
BigQuery and transpiled on DuckDB (Warehouse.run_query). What each report counts, and how, is in the
header comment of its SQL file and in docs/history.md.

What several reports share is written once, as a prelude in ``reports/preludes/``: a list of CTEs (the
tickets open at the end of the window; the chats agents hold) that ``Report.sql`` puts at the head of the
WITH of each report naming it, so a report's file holds only its own question. A prelude, not a view:
the shared block depends on the report's parameters (the window decides each ticket's state at @end), and
a BigQuery view takes none. ``python -m shared.history.reports NAME`` prints a report's whole query.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.kernel.errors import InvalidInput, NotFound
from shared.ports.warehouse import Warehouse

_FOLDER = Path(__file__).parent / "reports"
PRELUDE_FOLDER = _FOLDER / "preludes"

# Every report's parameters, by BigQuery type; REPORTS lists the extra ones of each.
STANDARD_PARAMETERS: Mapping[str, str] = MappingProxyType(
    {"workspace_id": "STRING", "start": "TIMESTAMP", "end": "TIMESTAMP"}
)
_PYTHON_TYPES: Mapping[str, tuple[type, ...]] = MappingProxyType(
    {"STRING": (str,), "INT64": (int,), "FLOAT64": (float, int), "BOOL": (bool,), "TIMESTAMP": (datetime,),
     "DATE": (date,)}
)
_TIME_ZONE: Mapping[str, str] = MappingProxyType({"time_zone": "STRING"})
_CHAT_COLUMNS = ("ticket_id", "conversation_id", "channel", "queue")
# The preludes the chat reports build on (reports/preludes/): held_chats reads open_tickets' CTEs.
_OPEN_TICKETS = ("open_tickets",)
_HELD_CHATS = ("open_tickets", "held_chats")


@dataclass(frozen=True)
class Report:
    name: str
    file: str  # in shared/history/reports/
    description: str
    columns: tuple[str, ...]  # of each row, in order (CSV header, console table)
    parameters: Mapping[str, str] = field(default_factory=dict)  # extra parameters → BigQuery type
    defaults: Mapping[str, Any] = field(default_factory=dict)
    preludes: tuple[str, ...] = ()  # in reports/preludes/, in the order they build on each other

    @property
    def path(self) -> Path:
        """The report's own file: its header and its question."""
        return _FOLDER / self.file

    @property
    def sql(self) -> str:
        """The query to run: the report's file with its preludes' CTEs at the head of its WITH."""
        return _with_preludes(_read(self.path), self.preludes)


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def prelude_ctes(name: str) -> str:
    """The CTE list of prelude ``name`` (``a AS (…), b AS (…)``), without its header comment."""
    lines = _read(PRELUDE_FOLDER / f"{name}.sql").splitlines(keepends=True)
    return "".join(_after_header(lines)).strip()


def _after_header(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("--")), len(lines))
    return lines[start:]


def _with_preludes(text: str, preludes: tuple[str, ...]) -> str:
    if not preludes:
        return text
    lines = text.splitlines(keepends=True)
    body = "".join(_after_header(lines))
    header = text[: len(text) - len(body)]
    shared = ",\n".join(prelude_ctes(name) for name in preludes)
    own_with = re.match(r"WITH\s+", body, flags=re.IGNORECASE)
    if own_with:  # the report's own CTEs follow the shared ones
        return f"{header}WITH {shared},\n{body[own_with.end():]}"
    return f"{header}WITH {shared}\n{body}"


def _report(name: str, description: str, columns: tuple[str, ...], **extra: Any) -> tuple[str, Report]:
    return name, Report(name=name, file=f"{name}.sql", description=description, columns=columns, **extra)


REPORTS: Mapping[str, Report] = MappingProxyType(dict([
    _report("pending_chats", "Chats an agent holds whose customer waits for the agent's answer, at the end.",
            (*_CHAT_COLUMNS, "agent_id", "opened_at", "last_customer_message_at", "last_agent_message_at",
             "waiting_since", "waiting_s"), preludes=_HELD_CHATS),
    _report("follow_up_chats", "Chats where the agent answered last and waits for the customer, at the end.",
            (*_CHAT_COLUMNS, "agent_id", "opened_at", "last_customer_message_at", "last_agent_message_at",
             "waiting_since", "waiting_s"), preludes=_HELD_CHATS),
    _report("open_chats", "Chats waiting in line, no agent yet, at the end.",
            (*_CHAT_COLUMNS, "opened_at", "waiting_since", "waiting_s"), preludes=_OPEN_TICKETS),
    _report("new_chats", "Chats handed to people in the window, per day and channel.",
            ("day", "channel", "chats"), parameters=_TIME_ZONE, defaults={"time_zone": "UTC"}),
    _report("resolved_chats", "Chats resolved in the window, per day and channel.",
            ("day", "channel", "chats"), parameters=_TIME_ZONE, defaults={"time_zone": "UTC"}),
    _report("agents", "Per agent: incoming, resolved and active chats, average first response times.",
            ("agent_id", "incoming", "resolved", "active", "avg_first_response_s",
             "avg_first_response_from_queue_s"), preludes=_OPEN_TICKETS),
    _report("menu_options", "How often each menu option was chosen.",
            ("menu", "option_title", "chosen", "sessions")),
    _report("channels", "Per channel: sessions, how they were handled, duration, CSAT and messages.",
            ("channel", "sessions", "bot_only", "with_agent", "abandoned", "avg_duration_s", "avg_csat",
             "messages_in", "messages_out")),
    _report("campaigns", "Per campaign and subcampaign: sessions, hand-overs, resolutions, CSAT.",
            ("campaign", "subcampaign", "sessions", "handed_over", "resolved", "avg_csat")),
    _report("pauses", "Every pause of every agent: reason, start, end, duration.",
            ("agent_id", "reason", "paused_at", "resumed_at", "resumed_as", "duration_s")),
    _report("intents", "Per intent: customer messages matched, and not understood after it.",
            ("intent", "matched", "not_understood")),
    _report("funnel", "Sessions started → menu shown → option chosen → handed to an agent → resolved.",
            ("step", "stage", "sessions", "share_of_started")),
]))


def run_report(warehouse: Warehouse, name: str, workspace_id: str, start: datetime, end: datetime,
               **extra: Any) -> list[dict[str, Any]]:
    """The rows of report ``name`` for ``workspace_id`` over [start, end); ``extra``: its declared parameters.

    NotFound for an unknown report; InvalidInput for a window that is not two aware instants in order, an
    undeclared parameter or a value of the wrong type (the warehouse is not asked then).
    """
    report = REPORTS.get(name)
    if report is None:
        raise NotFound(f"unknown report {name!r}; known: {', '.join(sorted(REPORTS))}")
    if not isinstance(workspace_id, str) or not workspace_id:
        raise InvalidInput(f"report {name}: workspace_id must be a non-empty string")
    for label, moment in (("start", start), ("end", end)):
        if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput(f"report {name}: {label} must be a datetime with a time zone, got {moment!r}")
    if start >= end:
        raise InvalidInput(f"report {name}: start {start.isoformat()} is not before end {end.isoformat()}")
    unknown = sorted(set(extra) - set(report.parameters))
    if unknown:
        declared = ", ".join(sorted(report.parameters)) or "none"
        raise InvalidInput(f"report {name} has no parameter {unknown[0]!r} (its extra parameters: {declared})")
    params: dict[str, Any] = {"workspace_id": workspace_id, "start": start, "end": end,
                              **report.defaults, **extra}
    for key, kind in report.parameters.items():
        _check(name, key, kind, params.get(key))
    return warehouse.run_query(report.sql, params)


def _check(report: str, key: str, kind: str, value: Any) -> None:
    allowed = _PYTHON_TYPES[kind]
    if not isinstance(value, allowed) or (kind != "BOOL" and isinstance(value, bool)):
        raise InvalidInput(f"report {report}: parameter {key} must be a {kind}, got {value!r}")
    if key == "time_zone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"report {report}: unknown time zone {value!r} (an IANA name such as"
                               " America/Sao_Paulo)") from None


# A cell starting with one of these is a formula to a spreadsheet: campaign names come from customers' links.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def report_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text with a header (``columns``, else the first row's keys; none: empty text).

    Instants are ISO-8601 UTC, NULL is an empty cell, and text a spreadsheet would run as a formula is
    prefixed with an apostrophe.
    """
    header = list(columns) if columns is not None else list(rows[0]) if rows else []
    if not header:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


if __name__ == "__main__":  # python -m shared.history.reports NAME: the whole query, e.g. for `bq query`
    import sys

    if len(sys.argv) != 2 or sys.argv[1] not in REPORTS:
        sys.exit(f"usage: python -m shared.history.reports NAME  (one of: {', '.join(sorted(REPORTS))})")
    sys.stdout.write(REPORTS[sys.argv[1]].sql)
