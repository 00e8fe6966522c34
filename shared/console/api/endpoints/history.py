"""What the history says and what the law asks of it: the dashboard's counters, a contact's erasure (right to
be forgotten) and the export of everything held about a contact (right of access)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from shared.console.api.fields import INSTANT_PATTERN, TIME_ZONE, Field, FieldError, check_instant, stored_id
from shared.console.api.routing import ADMIN, SUPERVISOR, Call, Reply, Route
from shared.history.reports import REPORTS, report_csv


def show_dashboard(call: Call) -> dict[str, Any]:
    return call.services.reporting.dashboard(call.workspace_id).to_dict()


def list_reports(call: Call) -> dict[str, Any]:
    return {"reports": [{"name": r.name, "description": r.description, "columns": list(r.columns),
                         "parameters": dict(r.parameters)} for r in REPORTS.values()]}


def show_report(call: Call) -> Any:
    """A report over [from, to); ``format=csv`` downloads it. Days are the workspace's unless ``time_zone``."""
    name = call.params["name"]
    report = REPORTS.get(name)
    if report is None:
        raise FieldError("name", f"unknown report {name!r}; known: {', '.join(sorted(REPORTS))}")
    rows = call.services.reporting.report(call.workspace_id, name, check_instant("from", call.query["from"]),
                                          check_instant("to", call.query["to"]), call.query.get("time_zone", ""))
    if call.query.get("format") == "csv":
        return Reply(report_csv(rows, report.columns), content_type="text/csv; charset=utf-8",
                     headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    rows = [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows]
    return {"report": name, "columns": list(report.columns), "rows": rows}


def erase(call: Call) -> dict[str, Any]:
    """Everything about the contact goes, in every store; warehouse rows still in BigQuery's streaming buffer
    are cleared by the next purge runs (``warehouse_pending``)."""
    report = call.services.privacy.erase(call.workspace_id, call.params["contact_id"])
    return {"contact_id": report.contact_id, "erased": report.counts.by_store(),
            "warehouse_pending": report.warehouse_pending}


def export(call: Call) -> Reply:
    held = call.services.privacy.export(call.workspace_id, call.params["contact_id"])
    name = f"contact-{call.params['contact_id']}.json"
    return Reply(json.dumps(held, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8",
                 headers={"Content-Disposition": f'attachment; filename="{name}"'})


INSTANT = Field("string", required=True, format="date-time", pattern=INSTANT_PATTERN)
CONTACT = {"contact_id": stored_id()}

ROUTES = [
    Route("GET", "/reports", SUPERVISOR, "The reports there are", list_reports, tag="history"),
    Route("GET", "/reports/{name}", SUPERVISOR, "A report over a date range, as JSON or CSV", show_report,
          tag="history", params={"name": Field("string", required=True, enum=tuple(REPORTS))},
          also_produces=("text/csv",),
          query={"from": replace(INSTANT, description="ISO instant, inclusive"),
                 "to": replace(INSTANT, description="ISO instant, exclusive"),
                 "format": Field("string", enum=("json", "csv")),
                 "time_zone": Field("string", format=TIME_ZONE, description="days of the report; default the"
                                                                           " workspace's")}),
    Route("POST", "/contacts/{contact_id}/erase", ADMIN, "Forget the contact in every store (right to be forgotten)",
          erase, tag="history", params=CONTACT),
    Route("GET", "/contacts/{contact_id}/data", SUPERVISOR, "Everything held about the contact (right of access)",
          export, tag="history", produces="application/json", params=CONTACT),
    Route("GET", "/dashboard", SUPERVISOR, "Messages left in the plan, unique contacts this month, new contacts today",
          show_dashboard, tag="history"),
]
