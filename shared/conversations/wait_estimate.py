"""How long a customer in line will likely wait, from how long the queue's recent chats took."""

from __future__ import annotations

import math
from datetime import datetime

from shared.agents.model import AGENTS, ONLINE, RESOLVED, TICKETS, Agent
from shared.ports.document_store import DocumentStore, Filter

RECENT_TICKETS = 20  # enough to smooth one long chat out, few enough to follow the day's pace


def estimated_wait_minutes(store: DocumentStore, workspace_id: str, queue: str, position: int) -> int | None:
    """Whole minutes (at least 1) for the ``position``-th in line; None without recent chats to go by.

    Each online member of the queue serves the line in parallel; a chat takes as long as the queue's last
    resolved chats took on average from assignment to closing."""
    closed = store.query(TICKETS, [Filter("workspace_id", "==", workspace_id), Filter("queue", "==", queue),
                                   Filter("status", "==", RESOLVED)], order_by="closed_at", descending=True,
                         limit=RECENT_TICKETS)
    durations = [
        (datetime.fromisoformat(d.data["closed_at"]) - datetime.fromisoformat(d.data["assigned_at"])).total_seconds()
        for d in closed if d.data.get("assigned_at") and d.data.get("closed_at")
    ]
    if not durations:
        return None
    agents = store.query(AGENTS, [Filter("workspace_id", "==", workspace_id),
                                  Filter("queues", "array_contains", queue)])
    online = sum(1 for d in agents if Agent.from_dict(d.data).status == ONLINE)
    mean_s = sum(durations) / len(durations)
    return max(1, math.ceil(position * mean_s / max(1, online) / 60))
