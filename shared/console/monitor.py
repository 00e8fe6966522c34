"""The supervisor monitor: each agent's status and load, each queue's line, as of one instant.

A snapshot read outside any transaction: figures taken a moment apart may disagree
by a chat, which a screen refreshed every few seconds can afford, and reading never
holds up the assignment transactions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from shared.agents.directory import AgentDirectory
from shared.agents.model import NEW, ONLINE, TICKETS, Agent, Queue, Ticket, instant
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter


@dataclass(frozen=True)
class AgentFigures:
    id: str
    name: str
    role: str
    status: str  # online / paused / offline
    pause_reason: str  # "" unless paused
    seconds_in_status: int  # whole seconds since the status last changed (0 if never recorded)
    live_chats: int
    capacity: int
    enabled: bool


@dataclass(frozen=True)
class QueueFigures:
    name: str
    waiting: int
    longest_wait_seconds: int  # since the oldest waiting ticket was opened; 0 with nobody waiting
    members: int
    members_online: int  # enabled members online, whether or not they have a free slot


@dataclass(frozen=True)
class Monitor:
    workspace_id: str
    at: str  # the instant the figures are for
    agents: tuple[AgentFigures, ...]  # by agent id
    queues: tuple[QueueFigures, ...]  # highest priority first, then by name

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # asdict keeps tuples; JSON encoders and equality with decoded JSON want lists.
        return {**data, "agents": list(data["agents"]), "queues": list(data["queues"])}


def supervisor_monitor(store: DocumentStore, clock: Clock, workspace_id: str) -> Monitor:
    """Every agent and queue of the workspace, with times measured to the clock's now."""
    directory = AgentDirectory(store, clock)
    agents = directory.agents_of(workspace_id)
    queues = directory.queues_of(workspace_id)
    now = clock.now()
    opened = _waiting_since(store, workspace_id)
    online = {a.id for a in agents if a.status == ONLINE and a.enabled}
    return Monitor(
        workspace_id=workspace_id,
        at=instant(now),
        agents=tuple(_agent_figures(agent, now) for agent in agents),
        queues=tuple(_queue_figures(queue, now, opened, online) for queue in queues),
    )


def _seconds(since: str, now: datetime) -> int:
    if not since:
        return 0
    return max(0, int((now - datetime.fromisoformat(since)).total_seconds()))


def _agent_figures(agent: Agent, now: datetime) -> AgentFigures:
    return AgentFigures(id=agent.id, name=agent.name, role=agent.role, status=agent.status,
                        pause_reason=agent.pause_reason, seconds_in_status=_seconds(agent.status_since, now),
                        live_chats=len(agent.active), capacity=agent.capacity, enabled=agent.enabled)


def _queue_figures(queue: Queue, now: datetime, opened: dict[str, str], online: set[str]) -> QueueFigures:
    # The line is the truth about who waits; the tickets only say since when.
    since = [opened[t] for t in queue.waiting if t in opened]
    return QueueFigures(name=queue.name, waiting=len(queue.waiting),
                        longest_wait_seconds=_seconds(min(since), now) if since else 0,
                        members=len(queue.members), members_online=sum(m in online for m in queue.members))


def _waiting_since(store: DocumentStore, workspace_id: str) -> dict[str, str]:
    """Ticket id → created_at of the workspace's unassigned NEW tickets: one query for every queue's line
    rather than one read per waiting ticket (equality filters only: Firestore needs no composite index)."""
    docs = store.query(TICKETS, [Filter("workspace_id", "==", workspace_id), Filter("status", "==", NEW),
                                 Filter("agent", "==", "")])
    tickets = (Ticket.from_dict(d.data) for d in docs)
    return {t.id: t.created_at for t in tickets if t.is_waiting}


class SupervisorMonitor:
    """supervisor_monitor over one store, for console_api."""

    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def snapshot(self, workspace_id: str) -> Monitor:
        return supervisor_monitor(self._store, self._clock, workspace_id)
