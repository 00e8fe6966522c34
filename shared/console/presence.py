"""Agents going online, pausing (with one of the workspace's reasons) and going offline, each change recorded
as an ``agent_status_changed`` history event (the pause-detail report reads them)."""

from __future__ import annotations

from shared.agents import Agent, AgentDirectory
from shared.agents.model import PAUSED
from shared.conversations.handover import agent_desk
from shared.events import topics
from shared.history.records import event_record
from shared.ports.context import ConversationPorts
from shared.workspaces.catalogs import PauseReasons

FUNCTION = "console_api"


class AgentPresence:
    def __init__(self, ports: ConversationPorts, agents: AgentDirectory, pause_reasons: PauseReasons) -> None:
        self._ports = ports
        self._agents = agents
        self._pause_reasons = pause_reasons

    def change_status(self, workspace_id: str, agent_id: str, status: str, reason: str = "") -> Agent:
        """A pause needs an active pause reason; the plan's cap on agents online applies."""
        ports = self._ports
        label = self._pause_reasons.require_active(workspace_id, reason).label if status == PAUSED else ""
        before = self._agents.agent(workspace_id, agent_id)
        cap = ports.directory.workspace(workspace_id).max_online_agents
        after = agent_desk(ports).set_agent_status(workspace_id, agent_id, status, label,
                                                   max_online_agents=cap).agent
        if (before.status, before.pause_reason) != (after.status, after.pause_reason):
            at = after.status_since or ports.clock.now().isoformat()
            record = event_record(
                key=f"{workspace_id}:{agent_id}:{at}:{after.status}:{after.pause_reason}",
                type="agent_status_changed", workspace_id=workspace_id, occurred_at=ports.clock.now(),
                function=FUNCTION, detail={"agent": agent_id, "status": after.status, "reason": after.pause_reason,
                                           "previous": before.status, "since": before.status_since})
            ports.bus.publish(topics.HISTORY, record.to_json())
        return after
