"""Agents, queues and tickets as stored documents, with their collection names and document ids.

Agents and queues are keyed by workspace and id, so one workspace can never read
or change another's by guessing a name. Tickets are keyed by their own id (derived
from the assignment request, which makes opening a ticket idempotent) and carry
their workspace.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from shared.agents.hours import normalized, storable
from shared.kernel.errors import InvalidField, InvalidInput
from shared.kernel.limits import (
    EMAIL_PATTERN,
    MAX_AGENT_LIST_ITEM_CHARS,
    MAX_AGENT_NAME_CHARS,
    MAX_CAPACITY,
    MAX_QUEUE_PRIORITY,
    MAX_QUEUE_WAIT_S,
)
from shared.messages.ids import safe_document_id, stable_hash
from shared.messages.wire import JsonDataclass

AGENTS = "agents"
QUEUES = "queues"
TICKETS = "tickets"
PRESENCE = "agent_presence"  # one document per workspace: who is online (see Presence)

DEFAULT_QUEUE = "default"
SYSTEM = "system"  # the "by" of what the assignment rules do on their own

ROLES = ("admin", "supervisor", "agent")
ONLINE, PAUSED, OFFLINE = "online", "paused", "offline"
AGENT_STATUSES = (ONLINE, PAUSED, OFFLINE)

# How many of an agent's capacity slots a chat of each channel takes: a call leaves no room for much
# else. The same for every workspace; channels not listed take one slot.
CHANNEL_WEIGHTS = MappingProxyType({"voice": 2, "phone": 2})


def channel_weight(channel: str) -> int:
    return CHANNEL_WEIGHTS.get(channel, 1)


def agent_doc_id(workspace_id: str, agent_id: str) -> str:
    return safe_document_id(f"{workspace_id}:{agent_id}")


def queue_doc_id(workspace_id: str, name: str) -> str:
    return safe_document_id(f"{workspace_id}:{name}")


def presence_doc_id(workspace_id: str) -> str:
    return safe_document_id(workspace_id)


def ticket_id_for(workspace_id: str, request_id: str) -> str:
    """The same assignment request always opens the same ticket."""
    return f"tk_{stable_hash(workspace_id, request_id)}"


def instant(moment: datetime) -> str:
    """Stored instants: UTC ISO-8601 with microseconds, so that they sort as text."""
    if moment.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class _Document(JsonDataclass):
    """JSON form of the dataclasses below: tuples are stored as lists; unknown keys are refused."""

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))  # type: ignore[call-overload]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _strings(owner: str, name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{owner}: {name} must be a list of strings, got {value!r}")
    return tuple(value)


def _text(owner: str, name: str, value: Any, *, required: bool = False) -> None:
    if not isinstance(value, str) or (required and not value):
        raise InvalidInput(f"{owner}: {name} must be a {'non-empty ' if required else ''}string, got {value!r}")


def _whole(owner: str, name: str, value: Any, *, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        at_least = "" if minimum is None else f", at least {minimum}"
        raise InvalidInput(f"{owner}: {name} must be a whole number{at_least}, got {value!r}")


def _flag(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{owner}: {name} must be true or false, got {value!r}")


@dataclass(frozen=True)
class Agent(_Document):
    id: str
    workspace_id: str
    name: str
    email: str = ""
    role: str = "agent"
    queues: tuple[str, ...] = ()
    capacity: int = 1  # chats held at once (a call counts as CHANNEL_WEIGHTS of them)
    status: str = OFFLINE
    pause_reason: str = ""
    status_since: str = ""  # when the status last changed (the monitor's "paused for")
    languages: tuple[str, ...] = ()
    active: tuple[str, ...] = ()  # ids of the open tickets it holds, invitations included (their slot is held)
    enabled: bool = True  # a disabled user can neither log in nor be assigned chats
    skills: tuple[str, ...] = ()
    # Capacity in use: the channel weights of the ``active`` tickets, kept with them in the same transaction
    # (cheaper than reading every held ticket to learn its channel).
    load: int = 0
    awaited: tuple[str, ...] = ()  # waiting tickets kept for this agent as their contact's own agent

    def __post_init__(self) -> None:
        owner = f"agent {self.id!r}"
        _text(owner, "id", self.id, required=True)
        _text(owner, "workspace_id", self.workspace_id, required=True)
        for name in ("name", "email", "pause_reason", "status_since"):
            _text(owner, name, getattr(self, name))
        if self.role not in ROLES:
            raise InvalidInput(f"{owner}: role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if self.status not in AGENT_STATUSES:
            raise InvalidInput(f"{owner}: status must be one of {', '.join(AGENT_STATUSES)}, got {self.status!r}")
        _flag(owner, "enabled", self.enabled)
        if (isinstance(self.capacity, bool) or not isinstance(self.capacity, int)
                or not 1 <= self.capacity <= MAX_CAPACITY):
            raise InvalidField("capacity", f"{owner}: capacity must be a whole number of chats from 1 to"
                                           f" {MAX_CAPACITY}, got {self.capacity!r}")
        if len(self.name) > MAX_AGENT_NAME_CHARS:
            raise InvalidField("name", f"{owner}: at most {MAX_AGENT_NAME_CHARS} characters")
        if self.email.strip() and not re.fullmatch(EMAIL_PATTERN, self.email.strip()):
            raise InvalidField("email", f"{owner}: {self.email!r} is not an e-mail address like name@example.com")
        _whole(owner, "load", self.load, minimum=0)
        for name in ("queues", "languages", "skills", "active", "awaited"):
            object.__setattr__(self, name, _strings(owner, name, getattr(self, name)))
        for name in ("queues", "languages", "skills"):
            if any(len(item) > MAX_AGENT_LIST_ITEM_CHARS for item in getattr(self, name)):
                raise InvalidField(name, f"{owner}: each at most {MAX_AGENT_LIST_ITEM_CHARS} characters")
        # Every held ticket weighs at least one slot; agents stored before weights existed have no load.
        object.__setattr__(self, "load", max(self.load, len(self.active)) if self.active else 0)

    @property
    def free_slots(self) -> int:
        return max(0, self.capacity - self.load)

    def unavailable_because(self, weight: int = 1) -> str:
        """Why a chat taking ``weight`` slots cannot be given to this agent now; "" when it can."""
        if not self.enabled:
            return "disabled"
        if self.status != ONLINE:
            return self.status
        if not self.free_slots:
            return f"full ({self.load} of {self.capacity} chats)"
        if weight > self.free_slots:
            return f"without room for a chat of weight {weight} ({self.free_slots} of {self.capacity} free)"
        return ""


@dataclass(frozen=True)
class Queue(_Document):
    workspace_id: str
    name: str
    members: tuple[str, ...] = ()  # agent ids, in round-robin order
    priority: int = 0  # an agent in several queues serves the highest priority first
    cursor: int = 0  # index into members of the next agent to try
    waiting: tuple[str, ...] = ()  # ticket ids in arrival order, kept here so one transaction sees the line
    # {"time_zone": "America/Bogota", "days": {"mon": [["09:00", "18:00"]], ...}}; None: always open.
    business_hours: dict[str, Any] | None = None
    closed_message: str = ""
    # A contact whose own agent is offline waits for them instead of going to the round robin.
    wait_for_own_agent: bool = False
    # A chat asking for a language or skill goes first to members who have it; after waiting this long
    # (0: at once, when none of them is free) any member may take it.
    overflow_after_s: int = 0
    # 0: chats are assigned. More: the chosen agent is invited and has this long to accept.
    invite_timeout_s: int = 0

    def __post_init__(self) -> None:
        owner = f"queue {self.name!r}"
        _text(owner, "name", self.name, required=True)
        _text(owner, "workspace_id", self.workspace_id, required=True)
        _text(owner, "closed_message", self.closed_message)
        for name in ("members", "waiting"):
            object.__setattr__(self, name, _strings(owner, name, getattr(self, name)))
        if len(set(self.members)) != len(self.members):
            raise InvalidInput(f"{owner}: members must not repeat an agent, got {list(self.members)}")
        for name in ("priority", "cursor"):
            _whole(owner, name, getattr(self, name))
        for name in ("overflow_after_s", "invite_timeout_s"):
            _whole(owner, name, getattr(self, name), minimum=0)
            if getattr(self, name) > MAX_QUEUE_WAIT_S:
                raise InvalidField(name, f"{owner}: at most {MAX_QUEUE_WAIT_S} seconds")
        if abs(self.priority) > MAX_QUEUE_PRIORITY:
            raise InvalidField("priority", f"{owner}: from -{MAX_QUEUE_PRIORITY} to {MAX_QUEUE_PRIORITY}")
        _flag(owner, "wait_for_own_agent", self.wait_for_own_agent)
        if self.business_hours is not None:
            object.__setattr__(self, "business_hours", normalized(self.business_hours, owner))

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.business_hours is not None:
            data["business_hours"] = storable(self.business_hours)
        return data


NEW, IN_PROGRESS = "NEW", "IN_PROGRESS"
RESOLVED, CANCELLED, NO_ANSWER, EXPIRED = "RESOLVED", "CANCELLED", "NO_ANSWER", "EXPIRED"
OPEN_STATUSES = (NEW, IN_PROGRESS)
TICKET_STATUSES = (*OPEN_STATUSES, RESOLVED, CANCELLED, NO_ANSWER, EXPIRED)


@dataclass(frozen=True)
class Ticket(_Document):
    id: str
    workspace_id: str
    conversation_id: str
    channel: str
    queue: str
    created_at: str
    contact: str = ""
    agent: str = ""  # "" while it waits in its queue
    status: str = NEW
    request_id: str = ""
    assigned_at: str = ""
    closed_at: str = ""
    typification: str = ""
    # Every transition and assignment decision: {"status" or "event", "by", "at", ...details}.
    history: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    # What the chat asks for: members who have it are tried first, until ``overflow_at`` (while it waits).
    language: str = ""
    skill: str = ""
    overflow_at: str = ""
    reserved_for: str = ""  # while it waits for its contact's own agent, who is offline
    invited: str = ""  # the agent invited to take it (invite mode), holding a slot for it until ``invited_until``
    invited_until: str = ""
    passed: tuple[str, ...] = ()  # agents who declined it or let their invitation lapse, the latest last

    def __post_init__(self) -> None:
        owner = f"ticket {self.id!r}"
        for name in ("id", "workspace_id", "conversation_id", "queue", "created_at"):
            _text(owner, name, getattr(self, name), required=True)
        for name in ("language", "skill", "overflow_at", "reserved_for", "invited", "invited_until"):
            _text(owner, name, getattr(self, name))
        if self.status not in TICKET_STATUSES:
            raise InvalidInput(f"{owner}: status must be one of {', '.join(TICKET_STATUSES)}, got {self.status!r}")
        if not isinstance(self.history, list | tuple) or not all(isinstance(h, dict) for h in self.history):
            raise InvalidInput(f"{owner}: history must be a list of objects")
        object.__setattr__(self, "history", tuple(self.history))
        object.__setattr__(self, "passed", _strings(owner, "passed", self.passed))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_waiting(self) -> bool:
        """Open, in its queue's line: neither assigned nor offered to an agent."""
        return self.is_open and not self.agent and not self.invited

    @property
    def weight(self) -> int:
        return channel_weight(self.channel)


@dataclass(frozen=True)
class Presence(_Document):
    """Who of a workspace is online, in one document that every change of it reads and writes, so that a
    cap on agents online holds when several go online at once (the store cannot query in a transaction)."""

    workspace_id: str
    online: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        owner = f"presence of {self.workspace_id!r}"
        _text(owner, "workspace_id", self.workspace_id, required=True)
        object.__setattr__(self, "online", _strings(owner, "online", self.online))
