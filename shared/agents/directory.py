"""Agents and queues as the admins define them, with membership kept the same on both sides.

An agent lists its queues and a queue lists its members in round-robin order;
saving either side updates the other in the same transaction. Saving keeps what
the assignment rules own: an agent's status, held tickets, load and the chats
waiting for them, a queue's line and cursor (change status through
AssignmentService.set_agent_status, which also hands out waiting chats).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from shared.agents.ledger import Ledger
from shared.agents.model import AGENTS, QUEUES, Agent, Queue, agent_doc_id, queue_doc_id
from shared.agents.presence import joined_online
from shared.kernel.errors import InvalidField, NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction


def _without(queue: Queue, agent_id: str) -> Queue:
    if agent_id not in queue.members:
        return queue
    index = queue.members.index(agent_id)
    members = tuple(m for m in queue.members if m != agent_id)
    # Whoever was next in turn stays next.
    cursor = queue.cursor - 1 if index < queue.cursor % max(1, len(queue.members)) else queue.cursor
    return replace(queue, members=members, cursor=max(0, cursor) % max(1, len(members)))


def _with(queue: Queue, agent_id: str) -> Queue:
    return queue if agent_id in queue.members else replace(queue, members=(*queue.members, agent_id))


def _is_admin(agent: Agent) -> bool:
    return agent.role == "admin" and agent.enabled


class AgentDirectory:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def save_agent(self, agent: Agent, *, keep_an_admin: bool = False) -> Agent:
        """Create or edit an agent; it joins the end of the round of queues it enters and leaves the others.

        Every queue named must exist. An existing agent keeps its status and held tickets; a new one
        starts in the status given, but saving hands out no waiting chat (set_agent_status does).
        ``keep_an_admin``: InvalidField ("role" or "enabled") when the save would leave the workspace
        without an enabled admin (the console's users are managed by admins only).
        """
        ws = agent.workspace_id
        # Queries cannot run in a transaction: the other admins are found first and re-read inside it, so
        # two last admins stepping down at once conflict instead of both succeeding.
        other_admins = [a.id for a in self.agents_of(ws) if a.id != agent.id and _is_admin(a)] if keep_an_admin else []

        def work(tx: Transaction) -> Agent:
            led = Ledger(tx, self._clock)
            current = led.agent(ws, agent.id)
            stepping_down = keep_an_admin and current is not None and _is_admin(current) and not _is_admin(agent)
            if stepping_down and not any(a is not None and _is_admin(a) for a in map(partial(led.agent, ws),
                                                                                     other_admins)):
                raise InvalidField("role" if agent.enabled else "enabled",
                                   f"{agent.id!r} is the workspace's last admin; make another user an admin first")
            joined = [led.require_queue(ws, name) for name in agent.queues]
            left = [q for q in (led.queue(ws, name) for name in (current.queues if current else ()))
                    if q is not None and q.name not in agent.queues]
            if current is None:
                saved = replace(agent, active=(), load=0, awaited=(), status_since=agent.status_since or led.now)
                joined_online(led, saved)
            else:
                saved = replace(agent, status=current.status, pause_reason=current.pause_reason,
                                status_since=current.status_since, active=current.active, load=current.load,
                                awaited=current.awaited)
            led.put(saved)
            for queue in joined:
                if agent.id not in queue.members:
                    led.put(_with(queue, agent.id))
            for queue in left:
                led.put(_without(queue, agent.id))
            led.flush()
            return saved

        return self._store.run_transaction(work)

    def save_queue(self, queue: Queue) -> Queue:
        """Create or edit a queue; its members (existing agents of the workspace) get it in their queues.

        An existing queue keeps its line and cursor; a new one starts empty.
        """

        def work(tx: Transaction) -> Queue:
            led = Ledger(tx, self._clock)
            ws = queue.workspace_id
            current = led.queue(ws, queue.name)
            members = [led.require_agent(ws, agent_id) for agent_id in queue.members]
            gone = [a for a in (led.agent(ws, agent_id) for agent_id in (current.members if current else ()))
                    if a is not None and a.id not in queue.members]
            saved = replace(queue, waiting=current.waiting if current else (),
                            cursor=current.cursor % max(1, len(queue.members)) if current else 0)
            led.put(saved)
            for agent in members:
                if queue.name not in agent.queues:
                    led.put(replace(agent, queues=(*agent.queues, queue.name)))
            for agent in gone:
                led.put(replace(agent, queues=tuple(q for q in agent.queues if q != queue.name)))
            led.flush()
            return saved

        return self._store.run_transaction(work)

    def agent(self, workspace_id: str, agent_id: str) -> Agent:
        data = self._store.get(AGENTS, agent_doc_id(workspace_id, agent_id))
        if data is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        return Agent.from_dict(data)

    def agents_of(self, workspace_id: str) -> list[Agent]:
        docs = self._store.query(AGENTS, [Filter("workspace_id", "==", workspace_id)])
        return sorted((Agent.from_dict(d.data) for d in docs), key=lambda a: a.id)

    def queue(self, workspace_id: str, name: str) -> Queue:
        data = self._store.get(QUEUES, queue_doc_id(workspace_id, name))
        if data is None:
            raise NotFound(f"queue {name!r} of workspace {workspace_id!r} does not exist")
        return Queue.from_dict(data)

    def queues_of(self, workspace_id: str) -> list[Queue]:
        docs = self._store.query(QUEUES, [Filter("workspace_id", "==", workspace_id)])
        return sorted((Queue.from_dict(d.data) for d in docs), key=lambda q: (-q.priority, q.name))
