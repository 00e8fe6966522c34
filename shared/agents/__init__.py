"""Human agents: queues, round-robin assignment and tickets, as use cases over the document store.

No HTTP, bus or function here: callers (assign_agent, console_api) publish what the
outcomes list. Import the pieces from here.
"""

from shared.agents.assignment import DEFAULT_EXPIRY_HOURS, AssignmentService
from shared.agents.directory import AgentDirectory
from shared.agents.hours import is_open, next_opening
from shared.agents.model import (
    AGENTS,
    CHANNEL_WEIGHTS,
    DEFAULT_QUEUE,
    QUEUES,
    SYSTEM,
    TICKETS,
    Agent,
    Queue,
    Ticket,
    channel_weight,
)
from shared.agents.outcomes import AssignmentOutcome, CustomerNotice, TicketEvent
from shared.agents.routing import Pick, next_agent
from shared.agents.tickets import TRANSITIONS, can_move

__all__ = [
    "AGENTS",
    "CHANNEL_WEIGHTS",
    "DEFAULT_EXPIRY_HOURS",
    "DEFAULT_QUEUE",
    "QUEUES",
    "SYSTEM",
    "TICKETS",
    "TRANSITIONS",
    "Agent",
    "AgentDirectory",
    "AssignmentOutcome",
    "AssignmentService",
    "CustomerNotice",
    "Pick",
    "Queue",
    "Ticket",
    "TicketEvent",
    "can_move",
    "channel_weight",
    "is_open",
    "next_agent",
    "next_opening",
]
