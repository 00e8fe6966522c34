"""Where a new ticket goes first, in this order: the agent the request names, the contact's own agent,
a group of agents, and otherwise the queue's line and round robin (which routes by language and skill).

Each candidate passed over is recorded with why in the "queued" step of the ticket's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shared.agents.ledger import LazyAgents, Ledger
from shared.agents.model import OFFLINE, SYSTEM, Agent, Queue, Ticket
from shared.agents.owners import keep_for_owner
from shared.agents.routing import DIRECT, OWN_AGENT, group_pick
from shared.agents.rules import assign, drain, enqueue, offer, tell_waiting


def _why_not(agent: Agent | None, weight: int) -> str:
    if agent is None:
        return "does not exist"
    why = agent.unavailable_because(weight)
    return f"is {why}" if why else ""


def route_new(led: Ledger, ticket: Ticket, queue: Queue, *, direct: str = "", contact_agent: str = "",
              group: Sequence[str] = ()) -> None:
    """Assign (or, in invite mode, offer) the just opened ``ticket``, or put it in ``queue``'s line.

    ``direct`` (the channel line's agent, or an agent starting the conversation) is assigned at once
    even in invite mode. ``contact_agent`` is offered the chat when free; when offline and the queue
    says ``wait_for_own_agent``, the chat waits for them alone. ``group``: the first free of those
    agents in the queue's round order; if none is free the chat joins the queue's line like any other.
    """
    ws, weight, passed_over = ticket.workspace_id, ticket.weight, []
    if direct:
        target = led.agent(ws, direct)
        why = _why_not(target, weight)
        if target is not None and not why:
            assign(led, ticket, target, SYSTEM, DIRECT)
            return
        passed_over.append(f"requested agent {direct!r} {why}")
    if contact_agent:
        owner = led.agent(ws, contact_agent)
        why = _why_not(owner, weight)
        if owner is not None and not why:
            offer(led, ticket, owner, SYSTEM, OWN_AGENT)
            return
        if owner is not None and owner.enabled and owner.status == OFFLINE and queue.wait_for_own_agent:
            keep_for_owner(led, ticket, queue, owner)
            tell_waiting(led, ticket.id)
            return
        passed_over.append(f"own agent {contact_agent!r} {why}")
    if group:
        agents = LazyAgents(led, ws, group)
        pick = group_pick(group, queue.members, queue.cursor, agents, weight=weight)
        if pick is not None:
            if pick.cursor != queue.cursor:
                led.put(replace(led.require_queue(ws, queue.name), cursor=pick.cursor))
            offer(led, ticket, agents[pick.agent_id], SYSTEM, pick.rule, pick.skipped)  # type: ignore[arg-type]
            return
        whys = ", ".join(f"{agent_id!r} {_why_not(agent, weight)}" for agent_id, agent in agents.items())
        passed_over.append(f"no agent of the group is free ({whys})")
    enqueue(led, ticket, queue, SYSTEM, "; ".join(passed_over))
    drain(led, ws, queue.name)
    tell_waiting(led, ticket.id)
