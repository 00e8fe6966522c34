"""Invite mode: an invited agent accepts (the ticket is assigned), declines, or lets the time run out.

Whoever passes on a ticket is skipped: it goes back to the front of its line and the
next agent of the round is invited (or it waits there when nobody else can take it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.agents.ledger import Ledger
from shared.agents.model import SYSTEM, Ticket
from shared.agents.outcomes import INVITED
from shared.agents.rules import assign, drain, drain_for, enqueue, record, release, tell_waiting
from shared.agents.tickets import noted
from shared.kernel.errors import InvalidInput


def _invitation_of(led: Ledger, ticket_id: str, agent_id: str) -> Ticket:
    ticket = led.require_ticket(ticket_id)
    if not ticket.is_open:
        raise InvalidInput(f"ticket {ticket_id!r} is {ticket.status}; its invitations are over")
    if ticket.invited != agent_id:
        whom = f"invites agent {ticket.invited!r}" if ticket.invited else "has no open invitation"
        raise InvalidInput(f"ticket {ticket_id!r} {whom}; agent {agent_id!r} cannot answer it")
    return ticket


def accept(led: Ledger, ticket_id: str, agent_id: str) -> Ticket:
    """The invited agent accepts in time: the ticket is assigned to them, by the rule that invited them."""
    ticket = _invitation_of(led, ticket_id, agent_id)
    if led.moment > datetime.fromisoformat(ticket.invited_until):
        raise InvalidInput(f"the invitation of agent {agent_id!r} to ticket {ticket_id!r} expired at "
                           f"{ticket.invited_until}")
    invitation = next((h for h in reversed(ticket.history) if h.get("event") == INVITED), {})
    release(led, ticket)  # the slot held for the invitation is taken again by the assignment
    agent = led.require_agent(ticket.workspace_id, agent_id)
    return assign(led, ticket, agent, agent_id, str(invitation.get("rule", "")), invitation="accepted")


def decline(led: Ledger, ticket_id: str, agent_id: str, event: str) -> Ticket:
    return pass_over(led, _invitation_of(led, ticket_id, agent_id), event, agent_id, "declined the invitation")


def pass_over(led: Ledger, ticket: Ticket, event: str, by: str, why: str) -> Ticket:
    """The invited agent is skipped: recorded, then the ticket goes to the front of its line and on to the next."""
    agent_id = ticket.invited
    freed = release(led, ticket)
    passed = (*(a for a in ticket.passed if a != agent_id), agent_id)
    ticket = noted(replace(ticket, invited="", invited_until="", passed=passed), event, by, led.now, agent=agent_id)
    led.put(ticket)
    record(led, event, ticket, by)
    enqueue(led, ticket, led.require_queue(ticket.workspace_id, ticket.queue), SYSTEM, f"agent {agent_id!r} {why}",
            front=True)
    drain(led, ticket.workspace_id, ticket.queue)
    if freed is not None:
        drain_for(led, freed)
    tell_waiting(led, ticket.id)
    return led.require_ticket(ticket.id)
