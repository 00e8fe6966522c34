"""The round-robin choice of the next agent, as a pure function of the queue and its agents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.agents.model import Agent


@dataclass(frozen=True)
class Pick:
    agent_id: str
    cursor: int  # the queue's cursor after this pick: just past the chosen member
    skipped: tuple[tuple[str, str], ...] = ()  # (agent id, why) of the members passed over


def next_agent(members: Sequence[str], cursor: int, agents: Mapping[str, Agent | None]) -> Pick | None:
    """The first member from ``cursor`` on (wrapping round) who is online with a free slot.

    ``agents`` maps member ids to their current state; a member missing from it (or
    mapped to None) no longer exists and is skipped. None when nobody can take a chat.
    """
    if not members:
        return None
    start = cursor % len(members)
    skipped = []
    for step in range(len(members)):
        index = (start + step) % len(members)
        member = members[index]
        agent = agents.get(member)
        why = "unknown" if agent is None else agent.unavailable_because()
        if not why:
            return Pick(member, (index + 1) % len(members), tuple(skipped))
        skipped.append((member, why))
    return None
