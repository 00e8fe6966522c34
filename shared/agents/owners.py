"""Chats and the agents who own them: kept for a contact's own agent, or given back when an agent leaves.

A queue may say that a contact whose own agent is offline waits for them: the ticket
stays in the line but out of the round robin, listed on the agent (``awaited``), and
goes to them first when they come online. Conversely, an agent going offline gives the
chats they have not started yet back to the front of their lines instead of keeping
customers waiting on someone absent.
"""

from __future__ import annotations

from dataclasses import replace

from shared.agents.ledger import Ledger
from shared.agents.model import NEW, SYSTEM, Agent, Queue, Ticket
from shared.agents.rules import drain, enqueue, release, tell_waiting

OWNER_WENT_OFFLINE = "owner went offline"
INVITEE_WENT_OFFLINE = "invited agent went offline"


def keep_for_owner(led: Ledger, ticket: Ticket, queue: Queue, owner: Agent) -> Ticket:
    """Put ``ticket`` in line for ``owner`` alone, until they come online (AssignmentService.set_agent_status)."""
    ticket = enqueue(led, ticket, queue, SYSTEM, f"waiting for own agent {owner.id!r}, who is offline",
                     reserved_for=owner.id)
    current = led.require_agent(owner.workspace_id, owner.id)
    led.put(replace(current, awaited=(*current.awaited, ticket.id)))
    return ticket


def give_back_untaken(led: Ledger, agent: Agent) -> None:
    """``agent`` went offline: tickets they were given but have not taken (and invitations to them) go back to
    the front of their queues' lines, the longest waiting first; those IN_PROGRESS stay with them."""
    ws = agent.workspace_id
    held = [t for t in (led.ticket(ticket_id) for ticket_id in agent.active) if t is not None and t.is_open]
    untaken = [t for t in held if t.invited == agent.id or (t.agent == agent.id and t.status == NEW)]
    oldest_first = sorted(untaken, key=lambda t: (t.created_at, agent.active.index(t.id)))
    returned = []
    # Each goes to the front, so the oldest is put there last.
    for ticket in reversed(oldest_first):
        queue = led.queue(ws, ticket.queue)
        if queue is None:
            continue  # its queue is gone: it stays with the agent rather than be lost
        release(led, ticket)
        enqueue(led, ticket, queue, SYSTEM, OWNER_WENT_OFFLINE if ticket.agent else INVITEE_WENT_OFFLINE,
                front=True)
        returned.append(ticket)
    for name in dict.fromkeys(t.queue for t in reversed(returned)):
        drain(led, ws, name)
    for ticket in reversed(returned):
        tell_waiting(led, ticket.id)
