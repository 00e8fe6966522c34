"""Who of a workspace is online, and the plan's cap on how many may be at once."""

from __future__ import annotations

from dataclasses import replace

from shared.agents.ledger import Ledger
from shared.agents.model import ONLINE, Agent
from shared.kernel.errors import InvalidInput


def _still_online(led: Ledger, workspace_id: str, agent_id: str) -> bool:
    agent = led.agent(workspace_id, agent_id)
    return agent is not None and agent.enabled and agent.status == ONLINE


def check_cap(max_online_agents: int | None) -> None:
    if max_online_agents is not None and (isinstance(max_online_agents, bool) or not isinstance(
            max_online_agents, int) or max_online_agents < 0):
        raise InvalidInput(f"max_online_agents must be a whole number, at least 0, got {max_online_agents!r}")


def note_status(led: Ledger, before: Agent, status: str, max_online_agents: int | None = None) -> None:
    """Keep the workspace's presence document in step with ``before`` moving to ``status``; going online when
    ``max_online_agents`` others already are is refused, naming the cap."""
    going_online = status == ONLINE and before.status != ONLINE
    if not going_online and not (before.status == ONLINE and status != ONLINE):
        return
    ws = before.workspace_id
    presence = led.presence(ws)
    others = tuple(a for a in presence.online if a != before.id)
    if going_online and max_online_agents is not None and len(others) >= max_online_agents:
        # The list may hold agents that left it by another way (deleted, disabled): count only the real ones.
        others = tuple(a for a in others if _still_online(led, ws, a))
        if len(others) >= max_online_agents:
            raise InvalidInput(f"workspace {ws!r} may have at most {max_online_agents} agents online at once "
                               f"(max_online_agents of its plan) and {len(others)} already are; "
                               f"agent {before.id!r} cannot go online")
    online = (*others, before.id) if status == ONLINE else others
    if online != presence.online:
        led.put(replace(presence, online=online))


def joined_online(led: Ledger, agent: Agent) -> None:
    """An agent created already online (AgentDirectory.save_agent) counts toward the cap."""
    presence = led.presence(agent.workspace_id)
    if agent.status == ONLINE and agent.id not in presence.online:
        led.put(replace(presence, online=(*presence.online, agent.id)))
