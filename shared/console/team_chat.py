"""Agents talk among themselves, privately: a direct channel between two agents, and one for the whole team.

A message is read only by the parties of its channel, inside one workspace; the customer never sees any.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from shared.agents.model import AGENTS, agent_doc_id
from shared.kernel.errors import InvalidInput, NotFound
from shared.messages.ids import safe_document_id, stable_hash
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter

TEAM_MESSAGES = "team_messages"
TEAM_CHANNEL = "team"
MAX_TEXT = 2000


def channel_between(agent_id: str, other: str) -> str:
    """The direct channel of two agents (the same whoever writes), or the team's when ``other`` is ""."""
    if not other:
        return TEAM_CHANNEL
    if other == agent_id:
        raise InvalidInput("with: a direct channel is between two different agents")
    first, second = sorted((agent_id, other))
    return f"dm:{first}:{second}"


@dataclass(frozen=True)
class TeamMessage:
    message_id: str
    workspace_id: str
    channel: str
    sender: str
    text: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TeamChat:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def _check_agent(self, workspace_id: str, agent_id: str) -> None:
        if self._store.get(AGENTS, agent_doc_id(workspace_id, agent_id)) is None:
            raise NotFound(f"agent {agent_id!r} does not exist")

    def post(self, workspace_id: str, sender: str, to: str, text: str, client_message_id: str) -> TeamMessage:
        """Write to ``to`` (an agent of the workspace) or to the whole team (``to`` = ""); idempotent on the
        client's message id."""
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise InvalidInput(f"text must be a non-empty string of at most {MAX_TEXT} characters")
        if to:
            self._check_agent(workspace_id, to)
        channel = channel_between(sender, to)
        message_id = f"tm_{stable_hash(workspace_id, sender, client_message_id)}"
        message = TeamMessage(message_id, workspace_id, channel, sender, text, self._clock.now().isoformat())
        self._store.create(TEAM_MESSAGES, safe_document_id(f"{workspace_id}:{message_id}"), message.to_dict())
        stored = self._store.get(TEAM_MESSAGES, safe_document_id(f"{workspace_id}:{message_id}"))
        return TeamMessage(**stored)  # type: ignore[arg-type]

    def read(self, workspace_id: str, agent_id: str, other: str = "", since: str = "",
             limit: int = 100) -> list[TeamMessage]:
        """The channel's messages after ``since`` (an ``at`` of an earlier answer), oldest first."""
        if other:
            self._check_agent(workspace_id, other)
        filters = [Filter("workspace_id", "==", workspace_id),
                   Filter("channel", "==", channel_between(agent_id, other))]
        if since:
            filters.append(Filter("at", ">", since))
        docs = self._store.query(TEAM_MESSAGES, filters, order_by="at", descending=True, limit=limit)
        return sorted((TeamMessage(**d.data) for d in docs), key=lambda m: (m.at, m.message_id))

    def wait_for(self, workspace_id: str, agent_id: str, other: str, since: str, wait_s: float,
                 poll_s: float = 0.5) -> list[TeamMessage]:
        deadline = time.monotonic() + wait_s
        while True:
            found = self.read(workspace_id, agent_id, other, since)
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(poll_s)
