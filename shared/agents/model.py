"""Agents, queues and tickets as stored documents, with their collection names and document ids.

Agents and queues are keyed by workspace and id, so one workspace can never read
or change another's by guessing a name. Tickets are keyed by their own id (derived
from the assignment request, which makes opening a ticket idempotent) and carry
their workspace.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.agents.hours import normalized, storable
from shared.domain.ids import safe_document_id, stable_hash
from shared.domain.messages import JsonDataclass
from shared.errors import InvalidInput

AGENTS = "agents"
QUEUES = "queues"
TICKETS = "tickets"

DEFAULT_QUEUE = "default"
SYSTEM = "system"  # the "by" of what the assignment rules do on their own

ROLES = ("admin", "supervisor", "agent")
ONLINE, PAUSED, OFFLINE = "online", "paused", "offline"
AGENT_STATUSES = (ONLINE, PAUSED, OFFLINE)


def agent_doc_id(workspace_id: str, agent_id: str) -> str:
    return safe_document_id(f"{workspace_id}:{agent_id}")


def queue_doc_id(workspace_id: str, name: str) -> str:
    return safe_document_id(f"{workspace_id}:{name}")


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


@dataclass(frozen=True)
class Agent(_Document):
    id: str
    workspace_id: str
    name: str
    email: str = ""
    role: str = "agent"
    queues: tuple[str, ...] = ()
    capacity: int = 1  # chats held at once
    status: str = OFFLINE
    pause_reason: str = ""
    status_since: str = ""  # when the status last changed (the monitor's "paused for")
    languages: tuple[str, ...] = ()
    active: tuple[str, ...] = ()  # ids of the open tickets it holds
    enabled: bool = True  # a disabled user can neither log in nor be assigned chats

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
        if not isinstance(self.enabled, bool):
            raise InvalidInput(f"{owner}: enabled must be true or false, got {self.enabled!r}")
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int) or self.capacity < 1:
            raise InvalidInput(f"{owner}: capacity must be a whole number of chats, at least 1, got {self.capacity!r}")
        for name in ("queues", "languages", "active"):
            object.__setattr__(self, name, _strings(owner, name, getattr(self, name)))

    @property
    def free_slots(self) -> int:
        return max(0, self.capacity - len(self.active))

    def unavailable_because(self) -> str:
        """Why no chat can be given to this agent now; "" when one can."""
        if not self.enabled:
            return "disabled"
        if self.status != ONLINE:
            return self.status
        if not self.free_slots:
            return f"full ({len(self.active)} of {self.capacity} chats)"
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
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(f"{owner}: {name} must be a whole number, got {value!r}")
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

    def __post_init__(self) -> None:
        owner = f"ticket {self.id!r}"
        for name in ("id", "workspace_id", "conversation_id", "queue", "created_at"):
            _text(owner, name, getattr(self, name), required=True)
        if self.status not in TICKET_STATUSES:
            raise InvalidInput(f"{owner}: status must be one of {', '.join(TICKET_STATUSES)}, got {self.status!r}")
        if not isinstance(self.history, list | tuple) or not all(isinstance(h, dict) for h in self.history):
            raise InvalidInput(f"{owner}: history must be a list of objects")
        object.__setattr__(self, "history", tuple(self.history))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.is_open and not self.agent
