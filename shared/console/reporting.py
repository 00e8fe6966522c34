"""What the console's supervisors read of the history: the dashboard's counters and the reports, over the
warehouse, with the days of the workspace's time zone unless another is asked for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.console.dashboard import Dashboard, dashboard
from shared.history.reports import REPORTS, run_report
from shared.ports.context import ConsolePorts


class Reporting:
    def __init__(self, ports: ConsolePorts) -> None:
        self._ports = ports  # the warehouse is built on the first report, not with the console

    def dashboard(self, workspace_id: str) -> Dashboard:
        ports = self._ports
        return dashboard(ports.warehouse, ports.store, ports.clock, ports.directory.workspace(workspace_id))

    def report(self, workspace_id: str, name: str, start: datetime, end: datetime,
               time_zone: str = "") -> list[dict[str, Any]]:
        """The rows of report ``name`` over [start, end) (see shared.history.reports)."""
        extra = {}
        report = REPORTS.get(name)
        if report is not None and "time_zone" in report.parameters:
            extra["time_zone"] = time_zone or self._ports.directory.workspace(workspace_id).time_zone
        return run_report(self._ports.warehouse, name, workspace_id, start, end, **extra)
