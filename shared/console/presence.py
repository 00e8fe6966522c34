"""Agents going online, pausing (with one of the workspace's reasons) and going offline, each change recorded
as an ``agent_status_changed`` history event (the pause-detail report reads them)."""

from __future__ import annotations

from typing import Any

from shared.agents import Agent
from shared.agents.model import PAUSED
from shared.events import topics
from shared.history.records import event_record

FUNCTION = "console_api"


def change_status(services: Any, workspace_id: str, agent_id: str, status: str, reason: str = "") -> Agent:
    """``services``: shared.console.api.services.ConsoleServices. A pause needs an active pause reason; the
    plan's cap on agents online applies."""
    label = services.pause_reasons.require_active(workspace_id, reason).label if status == PAUSED else ""
    before = services.directory.agent(workspace_id, agent_id)
    cap = services.platform.directory.workspace(workspace_id).max_online_agents
    after = services.desk.set_agent_status(workspace_id, agent_id, status, label, max_online_agents=cap).agent
    if (before.status, before.pause_reason) != (after.status, after.pause_reason):
        at = after.status_since or services.platform.clock.now().isoformat()
        record = event_record(
            key=f"{workspace_id}:{agent_id}:{at}:{after.status}:{after.pause_reason}", type="agent_status_changed",
            workspace_id=workspace_id, occurred_at=services.platform.clock.now(), function=FUNCTION,
            detail={"agent": agent_id, "status": after.status, "reason": after.pause_reason,
                    "previous": before.status, "since": before.status_since})
        services.platform.bus.publish(topics.HISTORY, record.to_json())
    return after
