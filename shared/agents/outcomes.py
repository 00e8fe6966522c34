"""What an assignment use case did, for the caller to publish: ticket events and customer notices."""

from __future__ import annotations

from dataclasses import dataclass

from shared.agents.model import Agent, Ticket

# Ticket event types. Closing events are the closing status in lower case
# ("resolved", "cancelled", "no_answer", "expired").
OPENED, QUEUED, ASSIGNED, TAKEN, TRANSFERRED = "opened", "queued", "assigned", "taken", "transferred"
# Invite mode: the ticket's ``invited`` and ``invited_until`` say who and until when (for the caller's timer,
# which calls AssignmentService.expire_invitation); an accepted invitation is an "assigned" event.
INVITED, DECLINED, INVITATION_EXPIRED = "invited", "declined", "invitation_expired"

# Customer notice kinds.
QUEUE_POSITION, ASSIGNED_TO, CLOSED_HOURS = "queue_position", "assigned", "closed_hours"


@dataclass(frozen=True)
class TicketEvent:
    type: str
    ticket: Ticket  # as it was right after this event
    by: str
    at: str


@dataclass(frozen=True)
class CustomerNotice:
    """Something to tell the customer of a conversation; the caller words it and sends it."""

    conversation_id: str
    kind: str  # QUEUE_POSITION, ASSIGNED_TO or CLOSED_HOURS
    ticket_id: str
    workspace_id: str
    channel: str
    position: int = 0  # QUEUE_POSITION: 1 is next in line
    agent_name: str = ""  # ASSIGNED_TO
    message: str = ""  # CLOSED_HOURS: the queue's closed_message


@dataclass(frozen=True)
class AssignmentOutcome:
    ticket: Ticket | None = None  # the ticket the operation was about, as committed
    agent: Agent | None = None  # set_agent_status: the agent, as committed
    events: tuple[TicketEvent, ...] = ()
    notices: tuple[CustomerNotice, ...] = ()
    redelivered: bool = False  # the request had been handled already; nothing changed
