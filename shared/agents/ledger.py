"""One transaction's view of agents, queues, tickets and a workspace's presence.

Reads are cached and writes are held back until ``flush``, so a use case may read
and change documents in any order and still do all its reads before its first
write, as the document store requires. Everything an attempt records (events,
notices) lives here too, so a retried attempt starts from nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property

from shared.agents.model import (
    AGENTS,
    PRESENCE,
    QUEUES,
    TICKETS,
    Agent,
    Presence,
    Queue,
    Ticket,
    agent_doc_id,
    instant,
    presence_doc_id,
    queue_doc_id,
)
from shared.agents.outcomes import CustomerNotice, TicketEvent
from shared.kernel.errors import NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import Transaction

_Doc = Agent | Queue | Ticket | Presence
_Key = tuple[str, str]


def _key(doc: _Doc) -> _Key:
    if isinstance(doc, Agent):
        return AGENTS, agent_doc_id(doc.workspace_id, doc.id)
    if isinstance(doc, Queue):
        return QUEUES, queue_doc_id(doc.workspace_id, doc.name)
    if isinstance(doc, Presence):
        return PRESENCE, presence_doc_id(doc.workspace_id)
    return TICKETS, doc.id


class LazyAgents(Mapping[str, "Agent | None"]):
    """Agents of a workspace read only when the routing looks at them: a round robin that finds a free agent
    early reads (and, on Firestore, locks) that far only, so concurrent hand-offs contend on fewer documents."""

    def __init__(self, led: Ledger, workspace_id: str, ids: Sequence[str]) -> None:
        self._led, self._workspace_id, self._ids = led, workspace_id, tuple(dict.fromkeys(ids))

    def __getitem__(self, agent_id: str) -> Agent | None:
        if agent_id not in self._ids:
            raise KeyError(agent_id)
        return self._led.agent(self._workspace_id, agent_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class Ledger:
    def __init__(self, tx: Transaction, clock: Clock) -> None:
        self._tx = tx
        self._clock = clock
        self._docs: dict[_Key, _Doc | None] = {}
        self._created: set[_Key] = set()
        self._dirty: dict[_Key, None] = {}  # insertion-ordered set
        self.events: list[TicketEvent] = []
        self.notices: list[CustomerNotice] = []

    @cached_property
    def moment(self) -> datetime:
        """This attempt's "now", taken on first use (see request_assignment for why that matters)."""
        return self._clock.now()

    @property
    def now(self) -> str:
        return instant(self.moment)

    # -- reads -------------------------------------------------------------

    def _load(self, key: _Key, kind: type[_Doc]) -> _Doc | None:
        if key not in self._docs:
            data = self._tx.get(*key)
            self._docs[key] = None if data is None else kind.from_dict(data)
        return self._docs[key]

    def agent(self, workspace_id: str, agent_id: str) -> Agent | None:
        return self._load((AGENTS, agent_doc_id(workspace_id, agent_id)), Agent)  # type: ignore[return-value]

    def queue(self, workspace_id: str, name: str) -> Queue | None:
        return self._load((QUEUES, queue_doc_id(workspace_id, name)), Queue)  # type: ignore[return-value]

    def ticket(self, ticket_id: str) -> Ticket | None:
        return self._load((TICKETS, ticket_id), Ticket)  # type: ignore[return-value]

    def presence(self, workspace_id: str) -> Presence:
        """Who of the workspace is online; nobody before the first agent went online."""
        found = self._load((PRESENCE, presence_doc_id(workspace_id)), Presence)
        return found if isinstance(found, Presence) else Presence(workspace_id=workspace_id)

    def require_agent(self, workspace_id: str, agent_id: str) -> Agent:
        agent = self.agent(workspace_id, agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id!r} of workspace {workspace_id!r} does not exist")
        return agent

    def require_queue(self, workspace_id: str, name: str) -> Queue:
        queue = self.queue(workspace_id, name)
        if queue is None:
            raise NotFound(f"queue {name!r} of workspace {workspace_id!r} does not exist")
        return queue

    def require_ticket(self, ticket_id: str) -> Ticket:
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id!r} does not exist")
        return ticket

    # -- writes ------------------------------------------------------------

    def put(self, doc: _Doc, *, create: bool = False) -> None:
        key = _key(doc)
        self._docs[key] = doc
        self._dirty[key] = None
        if create:
            self._created.add(key)

    def flush(self) -> None:
        for key in self._dirty:
            doc = self._docs[key]
            assert doc is not None  # put() never stores None
            if key in self._created:
                self._tx.create(*key, doc.to_dict())
            else:
                self._tx.set(*key, doc.to_dict())
        self._dirty.clear()
