"""The assignment rules, applied inside one transaction's ledger.

Each rule changes tickets, agents and queues in the ledger and records the ticket
events and customer notices it causes; the service (assignment.py) runs them in
a transaction and commits the ledger.
"""

from __future__ import annotations

from dataclasses import replace

from shared.agents.hours import is_open
from shared.agents.ledger import Ledger
from shared.agents.model import NEW, SYSTEM, Agent, Queue, Ticket
from shared.agents.outcomes import (
    ASSIGNED,
    ASSIGNED_TO,
    CLOSED_HOURS,
    QUEUE_POSITION,
    QUEUED,
    CustomerNotice,
    TicketEvent,
)
from shared.agents.routing import next_agent
from shared.agents.tickets import moved, noted


def record(led: Ledger, event: str, ticket: Ticket, by: str) -> None:
    led.events.append(TicketEvent(event, ticket, by, led.now))


def notify(led: Ledger, ticket: Ticket, kind: str, **details: object) -> None:
    led.notices.append(CustomerNotice(ticket.conversation_id, kind, ticket.id, ticket.workspace_id,
                                      ticket.channel, **details))  # type: ignore[arg-type]


def assign(led: Ledger, ticket: Ticket, agent: Agent, by: str, rule: str,
           skipped: tuple[tuple[str, str], ...] = ()) -> Ticket:
    """Give ``ticket`` to ``agent`` (who must have a free slot); it stays NEW until the agent takes it."""
    details: dict[str, object] = {"agent": agent.id, "rule": rule}
    if skipped:
        details["skipped"] = [{"agent": agent_id, "why": why} for agent_id, why in skipped]
    ticket = noted(replace(ticket, agent=agent.id, assigned_at=led.now), ASSIGNED, by, led.now, **details)
    led.put(ticket)
    led.put(replace(agent, active=(*agent.active, ticket.id)))
    record(led, ASSIGNED, ticket, by)
    notify(led, ticket, ASSIGNED_TO, agent_name=agent.name)
    return ticket


def enqueue(led: Ledger, ticket: Ticket, queue: Queue, by: str, reason: str = "") -> Ticket:
    """Put ``ticket`` at the end of ``queue``'s line, unassigned and NEW."""
    if ticket.status != NEW:
        ticket = moved(ticket, NEW, by, led.now)
    details = {"queue": queue.name, **({"reason": reason} if reason else {})}
    ticket = noted(replace(ticket, queue=queue.name, agent="", assigned_at=""), QUEUED, by, led.now, **details)
    led.put(ticket)
    led.put(replace(queue, waiting=(*queue.waiting, ticket.id)))
    record(led, QUEUED, ticket, by)
    return ticket


def release(led: Ledger, ticket: Ticket) -> Agent | None:
    """Take ``ticket`` off its holder or out of its queue's line; the holder whose slot was freed, if any."""
    if ticket.agent:
        agent = led.agent(ticket.workspace_id, ticket.agent)
        if agent is not None and ticket.id in agent.active:
            freed = replace(agent, active=tuple(t for t in agent.active if t != ticket.id))
            led.put(freed)
            return freed
        return None
    queue = led.queue(ticket.workspace_id, ticket.queue)
    if queue is not None and ticket.id in queue.waiting:
        led.put(replace(queue, waiting=tuple(t for t in queue.waiting if t != ticket.id)))
    return None


def drain(led: Ledger, workspace_id: str, name: str) -> None:
    """Assign the queue's oldest waiting tickets, round robin, while a member has a free slot.

    A closed queue (business hours) keeps its line until it opens.
    """
    queue = led.require_queue(workspace_id, name)
    if not queue.waiting or not is_open(queue.business_hours, led.moment):
        return
    waiting, cursor = list(queue.waiting), queue.cursor
    while waiting:
        agents = {member: led.agent(workspace_id, member) for member in queue.members}
        pick = next_agent(queue.members, cursor, agents)
        if pick is None:
            break
        ticket = led.ticket(waiting.pop(0))
        if ticket is None or not ticket.is_waiting or ticket.queue != name:
            continue  # a stale entry (the line and the tickets change together, so this is only a safeguard)
        cursor = pick.cursor
        assign(led, ticket, agents[pick.agent_id], SYSTEM, "round robin", pick.skipped)  # type: ignore[arg-type]
    if tuple(waiting) != queue.waiting or cursor != queue.cursor:
        led.put(replace(led.require_queue(workspace_id, name), waiting=tuple(waiting), cursor=cursor))


def drain_for(led: Ledger, agent: Agent) -> None:
    """An agent has room again: drain its queues, the highest priority first."""
    queues = [q for q in (led.queue(agent.workspace_id, name) for name in agent.queues) if q is not None]
    for queue in sorted(queues, key=lambda q: (-q.priority, q.name)):
        drain(led, agent.workspace_id, queue.name)


def tell_waiting(led: Ledger, ticket_id: str) -> None:
    """Tell a customer whose ticket still waits either its place in line or that the queue is closed."""
    ticket = led.require_ticket(ticket_id)
    if not ticket.is_waiting:
        return
    queue = led.require_queue(ticket.workspace_id, ticket.queue)
    if not is_open(queue.business_hours, led.moment):
        notify(led, ticket, CLOSED_HOURS, message=queue.closed_message)
    elif ticket.id in queue.waiting:
        notify(led, ticket, QUEUE_POSITION, position=queue.waiting.index(ticket.id) + 1)
