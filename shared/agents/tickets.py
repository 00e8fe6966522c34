"""Ticket lifecycle: the allowed status transitions, and history entries for every change."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.agents.model import (
    CANCELLED,
    EXPIRED,
    IN_PROGRESS,
    NEW,
    NO_ANSWER,
    RESOLVED,
    TICKET_STATUSES,
    Ticket,
)
from shared.kernel.errors import InvalidInput
from shared.kernel.limits import MAX_TICKET_TIMELINE

# status → the statuses it may move to. NEW covers both "waiting in the queue" and "assigned,
# not yet taken"; IN_PROGRESS → NEW is a hand-over (a transfer), which the new holder takes again.
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS, RESOLVED, CANCELLED, NO_ANSWER, EXPIRED}),
    IN_PROGRESS: frozenset({NEW, RESOLVED, CANCELLED, NO_ANSWER, EXPIRED}),
    RESOLVED: frozenset(),
    CANCELLED: frozenset(),
    NO_ANSWER: frozenset(),
    EXPIRED: frozenset(),
}
CLOSING_STATUSES = (RESOLVED, CANCELLED, NO_ANSWER)  # what a person may close a ticket as
assert set(TRANSITIONS) == set(TICKET_STATUSES), "every ticket status needs a row in TRANSITIONS"


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(ticket: Ticket, target: str) -> None:
    if target not in TRANSITIONS:
        raise InvalidInput(f"unknown ticket status {target!r}; expected one of {', '.join(TICKET_STATUSES)}")
    if not can_move(ticket.status, target):
        allowed = ", ".join(sorted(TRANSITIONS[ticket.status])) or "none, it is closed"
        raise InvalidInput(f"ticket {ticket.id!r} cannot go from {ticket.status} to {target} (allowed: {allowed})")


def moved(ticket: Ticket, target: str, by: str, at: str, **changes: Any) -> Ticket:
    """The ticket in status ``target``, with the transition recorded; refuses a transition not in the table."""
    check_transition(ticket, target)
    entry = {"status": target, "by": by, "at": at}
    return replace(ticket, status=target, history=_with(ticket.history, entry), **changes)


def noted(ticket: Ticket, event: str, by: str, at: str, **details: Any) -> Ticket:
    """The ticket with an event that is not a status change (assigned, queued, transferred...)."""
    entry = {"event": event, "by": by, "at": at, **details}
    return replace(ticket, history=_with(ticket.history, entry))


def _with(history: tuple[dict[str, Any], ...], entry: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The timeline with ``entry``: its first entry (the opening) and the latest ones, at most
    MAX_TICKET_TIMELINE, so a ticket passed back and forth for months keeps a small document (every
    event is in the history table too)."""
    if len(history) < MAX_TICKET_TIMELINE:
        return (*history, entry)
    return (history[0], *history[len(history) - MAX_TICKET_TIMELINE + 2:], entry)
