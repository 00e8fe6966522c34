"""Assignment use cases: tickets opened, queued, assigned round robin, taken, transferred and closed.

Every operation is one document-store transaction that reads the queue line, the
agents and the tickets it touches and writes them back together, so concurrent
requests can neither assign a ticket twice nor push an agent past its capacity.
The outcome lists the ticket events and customer notices for the caller to
publish; ``stage`` (for the outbox) sees them inside the same transaction.

Timers the caller schedules from the events: an "invited" ticket's ``invited_until``
(→ expire_invitation) and a "queued" ticket's future ``overflow_at`` (→ drain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from shared.agents import invitations
from shared.agents.arrival import route_new
from shared.agents.ledger import Ledger
from shared.agents.model import (
    AGENT_STATUSES,
    DEFAULT_QUEUE,
    EXPIRED,
    IN_PROGRESS,
    NEW,
    OFFLINE,
    ONLINE,
    PAUSED,
    QUEUES,
    RESOLVED,
    SYSTEM,
    TICKETS,
    Agent,
    Queue,
    Ticket,
    queue_doc_id,
    ticket_id_for,
)
from shared.agents.outcomes import DECLINED, INVITATION_EXPIRED, OPENED, TAKEN, TRANSFERRED, AssignmentOutcome
from shared.agents.owners import give_back_untaken
from shared.agents.presence import check_cap, note_status
from shared.agents.routing import TRANSFER
from shared.agents.rules import assign, drain, drain_for, enqueue, record, release, tell_waiting
from shared.agents.tickets import CLOSING_STATUSES, moved, noted
from shared.kernel.errors import InvalidInput, NotFound
from shared.messages.wire import AssignmentRequest
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Transaction

DEFAULT_EXPIRY_HOURS = 48.0

Stage = Callable[[Transaction, AssignmentOutcome], None]
AfterCommit = Callable[[AssignmentOutcome], None]


class AssignmentService:
    def __init__(self, store: DocumentStore, clock: Clock, *, stage: Stage | None = None,
                 after_commit: AfterCommit | None = None) -> None:
        """``stage(tx, outcome)``, when given, runs inside each transaction that changed something, after
        the service's reads and before its writes, so it may read more documents and then stage
        publications atomically with the change (shared/events/outbox.py). Like the rest of the transaction it
        may run more than once and must only write through ``tx``. ``after_commit(outcome)`` runs once
        each operation committed (e.g. to publish what was staged)."""
        self._store = store
        self._clock = clock
        self._stage = stage
        self._after_commit = after_commit

    def _run(self, work: Callable[[Ledger], Ticket | Agent | None]) -> AssignmentOutcome:
        def attempt(tx: Transaction) -> AssignmentOutcome:
            led = Ledger(tx, self._clock)
            subject = work(led)
            outcome = AssignmentOutcome(
                ticket=subject if isinstance(subject, Ticket) else None,
                agent=subject if isinstance(subject, Agent) else None,
                events=tuple(led.events), notices=tuple(led.notices))
            if self._stage is not None and (outcome.events or outcome.notices):
                self._stage(tx, outcome)
            led.flush()
            return outcome

        outcome = self._store.run_transaction(attempt)
        if self._after_commit is not None:
            self._after_commit(outcome)
        return outcome

    # -- tickets -----------------------------------------------------------

    def request_assignment(self, request: AssignmentRequest, contact: str = "", *, contact_agent: str = "",
                           agents: Sequence[str] = (), language: str = "", skill: str = "") -> AssignmentOutcome:
        """Open a NEW ticket for the request and assign it, or put it in line and tell the customer where.

        Idempotent on ``request.request_id``: a redelivered request changes nothing and returns its ticket.
        With ``request.agent``, that agent gets it directly when online with room for it; then the contact's
        own agent (``contact_agent``, an agent id), then the first free of ``agents`` in the queue's round
        order (see arrival.route_new). Otherwise it joins the line of ``request.queue`` (the workspace's
        "default" queue if empty), whose round robin tries members with the chat's ``language`` and
        ``skill`` first and, after the queue's overflow_after_s, anyone. In a queue with invite_timeout_s
        the chosen agent is invited rather than assigned (an "invited" event).
        """
        ws = request.workspace_id
        ticket_id = ticket_id_for(ws, request.request_id)
        queue_name = request.queue or DEFAULT_QUEUE
        for name, value in (("contact_agent", contact_agent), ("language", language), ("skill", skill)):
            if not isinstance(value, str):
                raise InvalidInput(f"{name} must be a string, got {value!r}")
        if isinstance(agents, str) or not all(isinstance(a, str) and a for a in agents):
            raise InvalidInput(f"agents must be a list of agent ids, got {agents!r}")

        def work(led: Ledger) -> Ticket | None:
            existing = led.ticket(ticket_id)
            if existing is not None:
                return existing
            queue = led.require_queue(ws, queue_name)
            # "Now" is taken only after the line was read: a committed attempt read the line after every
            # earlier commit, so creation instants follow the order in which tickets joined the line.
            ticket = Ticket(id=ticket_id, workspace_id=ws, conversation_id=request.conversation_id,
                            channel=request.channel, queue=queue.name, created_at=led.now, contact=contact,
                            request_id=request.request_id, language=language, skill=skill,
                            history=({"status": NEW, "by": SYSTEM, "at": led.now},))
            led.put(ticket, create=True)
            record(led, OPENED, ticket, SYSTEM)
            route_new(led, ticket, queue, direct=request.agent, contact_agent=contact_agent, group=tuple(agents))
            return led.ticket(ticket_id)

        outcome = self._run(work)
        if not outcome.events:  # found already opened
            return replace(outcome, redelivered=True)
        return outcome

    def take(self, ticket_id: str, agent_id: str) -> AssignmentOutcome:
        """The assigned agent starts working the ticket: NEW → IN_PROGRESS."""

        def work(led: Ledger) -> Ticket:
            ticket = led.require_ticket(ticket_id)
            if ticket.agent != agent_id:
                holder = (f"assigned to {ticket.agent!r}" if ticket.agent else
                          f"an invitation to {ticket.invited!r}, not yet accepted" if ticket.invited else
                          "waiting in its queue")
                raise InvalidInput(f"ticket {ticket_id!r} is {holder}; agent {agent_id!r} cannot take it")
            ticket = moved(ticket, IN_PROGRESS, agent_id, led.now)
            led.put(ticket)
            record(led, TAKEN, ticket, agent_id)
            return ticket

        return self._run(work)

    def resolve(self, ticket_id: str, by: str, status: str = RESOLVED, typification: str = "") -> AssignmentOutcome:
        """Close the ticket as RESOLVED, CANCELLED or NO_ANSWER; its agent's slot goes to the next in line."""
        if status not in CLOSING_STATUSES:
            raise InvalidInput(f"a ticket is closed as one of {', '.join(CLOSING_STATUSES)}, not {status!r}")
        return self._run(lambda led: self._close(led, ticket_id, status, by, typification))

    def expire_if_open(self, ticket_id: str, now: datetime | None = None, *,
                       after_hours: float = DEFAULT_EXPIRY_HOURS) -> AssignmentOutcome:
        """EXPIRED if the ticket is still open ``after_hours`` after it was created; otherwise nothing."""

        def work(led: Ledger) -> Ticket:
            ticket = led.require_ticket(ticket_id)
            due = datetime.fromisoformat(ticket.created_at) + timedelta(hours=after_hours)
            if not ticket.is_open or (now or led.moment) < due:
                return ticket
            return self._close(led, ticket_id, EXPIRED, SYSTEM, "")

        return self._run(work)

    @staticmethod
    def _close(led: Ledger, ticket_id: str, status: str, by: str, typification: str) -> Ticket:
        ticket = led.require_ticket(ticket_id)
        freed = release(led, ticket)
        ticket = moved(ticket, status, by, led.now, closed_at=led.now, typification=typification, invited="",
                       invited_until="", reserved_for="")
        led.put(ticket)
        record(led, status.lower(), ticket, by)
        if freed is not None:
            drain_for(led, freed)
        return ticket

    def transfer_to_agent(self, ticket_id: str, agent_id: str, by: str) -> AssignmentOutcome:
        """Hand an open ticket to another agent, who must be online with room for it; it is NEW for them.

        A person chose them: the ticket is assigned at once, even in a queue that works by invitation."""

        def work(led: Ledger) -> Ticket:
            ticket = _open_ticket(led, ticket_id)
            target = led.require_agent(ticket.workspace_id, agent_id)
            if ticket.agent == agent_id:
                raise InvalidInput(f"agent {agent_id!r} already holds ticket {ticket_id!r}")
            why = target.unavailable_because(ticket.weight)
            if why:
                raise InvalidInput(f"agent {agent_id!r} ({target.name}) cannot take ticket {ticket_id!r}: "
                                   f"they are {why}")
            freed = release(led, ticket)
            previous = ticket.agent
            if ticket.status == IN_PROGRESS:
                ticket = moved(ticket, NEW, by, led.now)
            ticket = noted(ticket, TRANSFERRED, by, led.now, **{"from": previous, "to": agent_id})
            record(led, TRANSFERRED, ticket, by)
            assign(led, ticket, led.require_agent(ticket.workspace_id, agent_id), by, TRANSFER)
            if freed is not None:
                drain_for(led, freed)
            return led.require_ticket(ticket_id)

        return self._run(work)

    def transfer_to_queue(self, ticket_id: str, queue: str, by: str) -> AssignmentOutcome:
        """Send an open ticket to the end of a queue's line (and drain that queue)."""

        def work(led: Ledger) -> Ticket:
            ticket = _open_ticket(led, ticket_id)
            led.require_queue(ticket.workspace_id, queue)
            freed = release(led, ticket)
            ticket = noted(ticket, TRANSFERRED, by, led.now, **{"from": ticket.agent or ticket.queue, "to": queue})
            record(led, TRANSFERRED, ticket, by)
            enqueue(led, ticket, led.require_queue(ticket.workspace_id, queue), by)
            drain(led, ticket.workspace_id, queue)
            if freed is not None:
                drain_for(led, freed)
            tell_waiting(led, ticket_id)
            return led.require_ticket(ticket_id)

        return self._run(work)

    def drain(self, workspace_id: str, queue: str) -> AssignmentOutcome:
        """Assign what waits in the queue to its free agents (e.g. when it opens after hours)."""

        def work(led: Ledger) -> None:
            drain(led, workspace_id, queue)

        return self._run(work)

    def waiting_position(self, ticket_id: str) -> int | None:
        """1 for the next in line; None when the ticket is not waiting."""
        data = self._store.get(TICKETS, ticket_id)
        if data is None:
            raise NotFound(f"ticket {ticket_id!r} does not exist")
        ticket = Ticket.from_dict(data)
        if not ticket.is_waiting:
            return None
        line = self._store.get(QUEUES, queue_doc_id(ticket.workspace_id, ticket.queue))
        waiting = Queue.from_dict(line).waiting if line else ()
        return waiting.index(ticket_id) + 1 if ticket_id in waiting else None

    # -- invitations -------------------------------------------------------

    def accept_invitation(self, ticket_id: str, agent_id: str) -> AssignmentOutcome:
        """The invited agent accepts before the deadline: the ticket is assigned to them (still NEW)."""
        return self._run(lambda led: invitations.accept(led, ticket_id, agent_id))

    def decline_invitation(self, ticket_id: str, agent_id: str) -> AssignmentOutcome:
        """The invited agent declines: they are skipped and the next agent of the round is invited."""
        return self._run(lambda led: invitations.decline(led, ticket_id, agent_id, DECLINED))

    def expire_invitation(self, ticket_id: str, now: datetime | None = None) -> AssignmentOutcome:
        """The invitation timer: if the ticket's invitation is past its deadline, the invited agent is skipped
        and the next one invited; otherwise (accepted, declined, a later invitation) nothing."""

        def work(led: Ledger) -> Ticket:
            ticket = led.require_ticket(ticket_id)
            if not ticket.is_open or not ticket.invited or (now or led.moment) < datetime.fromisoformat(
                    ticket.invited_until):
                return ticket
            return invitations.pass_over(led, ticket, INVITATION_EXPIRED, SYSTEM, "let the invitation lapse")

        return self._run(work)

    # -- agents ------------------------------------------------------------

    def set_agent_status(self, workspace_id: str, agent_id: str, status: str, reason: str = "", *,
                         max_online_agents: int | None = None) -> AssignmentOutcome:
        """online / paused (with a reason) / offline.

        An agent coming online gets first the chats waiting for them as their contacts' own agent, then what
        waits in their queues; unless ``max_online_agents`` (the workspace plan's cap, None: no cap) agents
        of the workspace are online already, which is refused. An agent going offline gives the chats they
        have not taken yet back to the front of their lines.
        """
        if status not in AGENT_STATUSES:
            raise InvalidInput(f"agent status must be one of {', '.join(AGENT_STATUSES)}, not {status!r}")
        check_cap(max_online_agents)

        def work(led: Ledger) -> Agent:
            before = led.require_agent(workspace_id, agent_id)
            note_status(led, before, status, max_online_agents)
            since = before.status_since if before.status == status else led.now
            agent = replace(before, status=status, pause_reason=reason if status == PAUSED else "",
                            status_since=since)
            led.put(agent)
            if status == ONLINE:
                drain_for(led, agent)
            elif status == OFFLINE:
                give_back_untaken(led, agent)
            return led.require_agent(workspace_id, agent_id)

        return self._run(work)


def _open_ticket(led: Ledger, ticket_id: str) -> Ticket:
    ticket = led.require_ticket(ticket_id)
    if not ticket.is_open:
        raise InvalidInput(f"ticket {ticket_id!r} is {ticket.status}; only an open ticket can be transferred")
    return ticket
