"""The dashboard's counters (as in Openbot): messages left in the plan this month, unique contacts this
month, new contacts today; months and days in the workspace's time zone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from shared.contacts import ContactBook
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.warehouse import Warehouse
from shared.workspaces.directory import Workspace

MONTH_SQL = """
SELECT
  COUNT(*) AS messages,
  COUNT(DISTINCT IF(direction = 'inbound', conversation_id, NULL)) AS unique_contacts
FROM messages
WHERE workspace_id = @workspace_id AND occurred_at >= @start AND occurred_at < @end
"""


@dataclass(frozen=True)
class Dashboard:
    month_start: str
    messages_this_month: int
    messages_in_plan: int | None  # None: the plan has no cap
    messages_left: int | None
    unique_contacts_this_month: int
    new_contacts_today: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local_midnight(moment: datetime, zone: ZoneInfo, *, first_of_month: bool) -> datetime:
    local = moment.astimezone(zone).date()
    day = local.replace(day=1) if first_of_month else local
    return datetime.combine(day, time(0), tzinfo=zone)


def dashboard(warehouse: Warehouse, store: DocumentStore, clock: Clock, workspace: Workspace) -> Dashboard:
    now = clock.now()
    zone = ZoneInfo(workspace.time_zone)
    month_start = _local_midnight(now, zone, first_of_month=True)
    [month] = warehouse.run_query(MONTH_SQL, {"workspace_id": workspace.id, "start": month_start, "end": now})
    used = int(month["messages"] or 0)
    today = _local_midnight(now, zone, first_of_month=False)
    new_today = len(ContactBook(store, clock).list(workspace.id, since=today))
    quota = workspace.messages_per_month
    return Dashboard(month_start=month_start.isoformat(), messages_this_month=used, messages_in_plan=quota,
                     messages_left=None if quota is None else max(0, quota - used),
                     unique_contacts_this_month=int(month["unique_contacts"] or 0), new_contacts_today=new_today)
