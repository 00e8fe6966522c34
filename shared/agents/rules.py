"""The assignment rules, applied inside one transaction's ledger.

Each rule changes tickets, agents and queues in the ledger and records the ticket
events and customer notices it causes; the service (assignment.py) runs them in
a transaction and commits the ledger.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from shared.agents.hours import is_open
from shared.agents.ledger import LazyAgents, Ledger
from shared.agents.model import NEW, SYSTEM, Agent, Queue, Ticket, instant
from shared.agents.outcomes import (
    ASSIGNED,
    ASSIGNED_TO,
    CLOSED_HOURS,
    INVITED,
    QUEUE_POSITION,
    QUEUED,
    CustomerNotice,
    TicketEvent,
)
from shared.agents.routing import OWN_AGENT, choose, next_agent, requirements
from shared.agents.tickets import moved, noted

# How far past tickets nobody can serve now (they ask for a language, or wait for their own agent)
# a drain looks for one that someone can: bounds the reads of one transaction.
LOOKAHEAD = 50


def record(led: Ledger, event: str, ticket: Ticket, by: str) -> None:
    led.events.append(TicketEvent(event, ticket, by, led.now))


def notify(led: Ledger, ticket: Ticket, kind: str, **details: object) -> None:
    led.notices.append(CustomerNotice(ticket.conversation_id, kind, ticket.id, ticket.workspace_id,
                                      ticket.channel, **details))  # type: ignore[arg-type]


def _holding(agent: Agent, ticket: Ticket) -> Agent:
    return replace(agent, active=(*agent.active, ticket.id), load=agent.load + ticket.weight,
                   awaited=tuple(t for t in agent.awaited if t != ticket.id))


def _decision(agent: Agent, rule: str, skipped: tuple[tuple[str, str], ...]) -> dict[str, object]:
    details: dict[str, object] = {"agent": agent.id, "rule": rule}
    if skipped:
        details["skipped"] = [{"agent": agent_id, "why": why} for agent_id, why in skipped]
    return details


def assign(led: Ledger, ticket: Ticket, agent: Agent, by: str, rule: str,
           skipped: tuple[tuple[str, str], ...] = (), **details: object) -> Ticket:
    """Give ``ticket`` to ``agent`` (who must have room for it); it stays NEW until the agent takes it."""
    ticket = replace(ticket, agent=agent.id, assigned_at=led.now, invited="", invited_until="", reserved_for="",
                     passed=())
    ticket = noted(ticket, ASSIGNED, by, led.now, **_decision(agent, rule, skipped), **details)
    led.put(ticket)
    led.put(_holding(agent, ticket))
    record(led, ASSIGNED, ticket, by)
    notify(led, ticket, ASSIGNED_TO, agent_name=agent.name)
    return ticket


def invite(led: Ledger, ticket: Ticket, agent: Agent, by: str, rule: str, skipped: tuple[tuple[str, str], ...],
           timeout_s: int) -> Ticket:
    """Offer ``ticket`` to ``agent``, holding a slot of theirs for it until they accept or the time runs out."""
    until = instant(led.moment + timedelta(seconds=timeout_s))
    # Inviting someone who passed on it before starts a new round: only the latest to pass stays skipped.
    passed = ticket.passed[-1:] if agent.id in ticket.passed else ticket.passed
    ticket = replace(ticket, invited=agent.id, invited_until=until, reserved_for="", passed=passed)
    ticket = noted(ticket, INVITED, by, led.now, **_decision(agent, rule, skipped), until=until)
    led.put(ticket)
    led.put(_holding(agent, ticket))
    record(led, INVITED, ticket, by)
    return ticket


def offer(led: Ledger, ticket: Ticket, agent: Agent, by: str, rule: str,
          skipped: tuple[tuple[str, str], ...] = ()) -> Ticket:
    """What the rules do with the agent they chose: invite them if the ticket's queue works by invitation,
    otherwise assign."""
    queue = led.queue(ticket.workspace_id, ticket.queue)
    if queue is not None and queue.invite_timeout_s:
        return invite(led, ticket, agent, by, rule, skipped, queue.invite_timeout_s)
    return assign(led, ticket, agent, by, rule, skipped)


def enqueue(led: Ledger, ticket: Ticket, queue: Queue, by: str, reason: str = "", *, front: bool = False,
            reserved_for: str = "") -> Ticket:
    """Put ``ticket`` in ``queue``'s line (at the end, or ``front``), unassigned and NEW.

    A ticket that asks for a language or skill gets its overflow instant when it first joins
    a line and again when it moves to another queue.
    """
    if ticket.status != NEW:
        ticket = moved(ticket, NEW, by, led.now)
    moving = ticket.queue != queue.name
    overflow_at = ticket.overflow_at
    if requirements(ticket) and (moving or not overflow_at):
        overflow_at = instant(led.moment + timedelta(seconds=queue.overflow_after_s))
    details = {"queue": queue.name, **({"reason": reason} if reason else {}), **({"front": True} if front else {})}
    ticket = replace(ticket, queue=queue.name, agent="", assigned_at="", invited="", invited_until="",
                     reserved_for=reserved_for, overflow_at=overflow_at, passed=() if moving else ticket.passed)
    ticket = noted(ticket, QUEUED, by, led.now, **details)
    led.put(ticket)
    line = led.require_queue(queue.workspace_id, queue.name)
    others = tuple(t for t in line.waiting if t != ticket.id)
    led.put(replace(line, waiting=(ticket.id, *others) if front else (*others, ticket.id)))
    record(led, QUEUED, ticket, by)
    return ticket


def out_of_line(led: Ledger, ticket: Ticket) -> None:
    queue = led.queue(ticket.workspace_id, ticket.queue)
    if queue is not None and ticket.id in queue.waiting:
        led.put(replace(queue, waiting=tuple(t for t in queue.waiting if t != ticket.id)))


def release(led: Ledger, ticket: Ticket) -> Agent | None:
    """Take ``ticket`` off its holder (or invitee), out of its queue's line and off the own agent it waits for;
    the agent whose slot was freed, if any."""
    if ticket.reserved_for:
        owner = led.agent(ticket.workspace_id, ticket.reserved_for)
        if owner is not None and ticket.id in owner.awaited:
            led.put(replace(owner, awaited=tuple(t for t in owner.awaited if t != ticket.id)))
    holder = ticket.agent or ticket.invited
    if not holder:
        out_of_line(led, ticket)
        return None
    agent = led.agent(ticket.workspace_id, holder)
    if agent is None or ticket.id not in agent.active:
        return None
    freed = replace(agent, active=tuple(t for t in agent.active if t != ticket.id),
                    load=max(0, agent.load - ticket.weight))
    led.put(freed)
    return freed


def drain(led: Ledger, workspace_id: str, name: str) -> None:
    """Give the queue's waiting tickets, oldest first, to the members the routing chooses, while any has room.

    A ticket nobody may take yet (it asks for a language, waits for its own agent, or is a call and
    nobody has room for one) keeps its place and the next ones are served. A closed queue (business
    hours) keeps its line until it opens.
    """
    queue = led.require_queue(workspace_id, name)
    if not queue.waiting or not is_open(queue.business_hours, led.moment):
        return
    cursor, kept, unserved = queue.cursor, [], 0
    for position, ticket_id in enumerate(queue.waiting):
        agents = LazyAgents(led, workspace_id, queue.members)
        if unserved >= LOOKAHEAD or next_agent(queue.members, cursor, agents) is None:
            kept.extend(queue.waiting[position:])
            break
        ticket = led.ticket(ticket_id)
        if ticket is None or not ticket.is_waiting or ticket.queue != name:
            continue  # a stale entry (the line and the tickets change together, so this is only a safeguard)
        pick = None if ticket.reserved_for else choose(ticket, queue.members, cursor, agents, moment=led.moment,
                                                       overflow_after_s=queue.overflow_after_s)
        if pick is None:
            kept.append(ticket_id)
            unserved += 1
            continue
        cursor = pick.cursor
        offer(led, ticket, agents[pick.agent_id], SYSTEM, pick.rule, pick.skipped)  # type: ignore[arg-type]
    if tuple(kept) != queue.waiting or cursor != queue.cursor:
        led.put(replace(led.require_queue(workspace_id, name), waiting=tuple(kept), cursor=cursor))


def drain_for(led: Ledger, agent: Agent) -> None:
    """An agent has room again: first the chats kept for them as their contacts' own agent, then their
    queues, the highest priority first."""
    ws = agent.workspace_id
    for ticket_id in led.require_agent(ws, agent.id).awaited:
        current = led.require_agent(ws, agent.id)
        ticket = led.ticket(ticket_id)
        if ticket is None or not ticket.is_waiting or ticket.reserved_for != agent.id:
            led.put(replace(current, awaited=tuple(t for t in current.awaited if t != ticket_id)))
            continue
        if not current.unavailable_because(ticket.weight):
            out_of_line(led, ticket)
            offer(led, ticket, current, SYSTEM, OWN_AGENT)
    queues = [q for q in (led.queue(ws, name) for name in led.require_agent(ws, agent.id).queues) if q is not None]
    for queue in sorted(queues, key=lambda q: (-q.priority, q.name)):
        drain(led, ws, queue.name)


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
