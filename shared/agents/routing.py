"""Who gets a chat next, as pure functions of the queue's round, its agents and what the chat asks for.

The round robin starts at the queue's cursor and passes over members who cannot take
the chat, saying why. A chat may ask for a language or a skill (members who have it
are tried first, the rest only once it has waited past its overflow instant), and in
invite mode it remembers who passed on it, so the next invitation goes to someone else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shared.agents.model import Agent, Ticket

# The rules recorded with an assignment decision (besides "language pt", "overflow after 120 s"...).
ROUND_ROBIN, DIRECT, OWN_AGENT, GROUP, TRANSFER = "round robin", "direct", "own agent", "group", "transfer"

# Why an otherwise available agent is not right for this chat; "" when they are.
Barred = Callable[[Agent], str]


def _nobody_barred(agent: Agent) -> str:
    return ""


@dataclass(frozen=True)
class Pick:
    agent_id: str
    cursor: int  # the queue's cursor after this pick: just past the chosen member
    skipped: tuple[tuple[str, str], ...] = ()  # (agent id, why) of the members passed over
    rule: str = ROUND_ROBIN  # why this agent: recorded with the decision


def next_agent(members: Sequence[str], cursor: int, agents: Mapping[str, Agent | None], *, weight: int = 1,
               barred: Barred = _nobody_barred) -> Pick | None:
    """The first member from ``cursor`` on (wrapping round) who is online with room for a chat of ``weight``.

    ``agents`` maps member ids to their current state; a member missing from it (or
    mapped to None) no longer exists and is skipped, as is one ``barred`` gives a reason
    against. None when nobody can take the chat.
    """
    if not members:
        return None
    start = cursor % len(members)
    skipped = []
    for step in range(len(members)):
        index = (start + step) % len(members)
        member = members[index]
        agent = agents.get(member)
        why = "unknown" if agent is None else agent.unavailable_because(weight) or barred(agent)
        if not why:
            return Pick(member, (index + 1) % len(members), tuple(skipped))
        skipped.append((member, why))
    return None


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].casefold()


def speaks(agent: Agent, language: str) -> bool:
    """Languages match on their primary subtag: an agent who speaks "pt" serves a "pt-BR" chat."""
    return _primary(language) in {_primary(known) for known in agent.languages}


def has_skill(agent: Agent, skill: str) -> bool:
    return skill.casefold() in {known.casefold() for known in agent.skills}


def requirements(ticket: Ticket) -> str:
    """What the chat asks for, as recorded with the decision: "language pt", "skill billing", both, or ""."""
    asked = [f"language {ticket.language}"] if ticket.language else []
    return ", ".join(asked + ([f"skill {ticket.skill}"] if ticket.skill else []))


def _unfit_for(ticket: Ticket) -> Barred:
    def unfit(agent: Agent) -> str:
        if ticket.language and not speaks(agent, ticket.language):
            return f"does not speak {ticket.language}"
        if ticket.skill and not has_skill(agent, ticket.skill):
            return f"lacks the skill {ticket.skill}"
        return ""

    return unfit


def overflowed(ticket: Ticket, moment: datetime) -> bool:
    """Whether any member may take a chat that asks for a language or skill (no instant recorded: at once)."""
    return not ticket.overflow_at or moment >= datetime.fromisoformat(ticket.overflow_at)


def choose(ticket: Ticket, members: Sequence[str], cursor: int, agents: Mapping[str, Agent | None], *,
           moment: datetime, overflow_after_s: int) -> Pick | None:
    """The member a waiting ticket goes to now, with the rule that chose them; None when it must wait."""
    asked = requirements(ticket)
    tiers: list[tuple[str, Barred]] = [(asked, _unfit_for(ticket))] if asked else [(ROUND_ROBIN, _nobody_barred)]
    if asked and overflowed(ticket, moment):
        tiers.append((f"overflow after {overflow_after_s} s", _nobody_barred))
    for rule, barred in tiers:
        pick = _skipping_who_passed(ticket, members, cursor, agents, barred)
        if pick is not None:
            return replace(pick, rule=rule)
    return None


def _skipping_who_passed(ticket: Ticket, members: Sequence[str], cursor: int,
                         agents: Mapping[str, Agent | None], barred: Barred) -> Pick | None:
    passed = set(ticket.passed)

    def fresh(agent: Agent) -> str:
        return barred(agent) or ("passed on this chat" if agent.id in passed else "")

    pick = next_agent(members, cursor, agents, weight=ticket.weight, barred=fresh)
    if pick is not None or not ticket.passed:
        return pick
    # Everyone able passed on it already: a new round, but never straight back to whoever passed last.
    last = ticket.passed[-1]

    def not_last(agent: Agent) -> str:
        return barred(agent) or ("passed on this chat last" if agent.id == last else "")

    return next_agent(members, cursor, agents, weight=ticket.weight, barred=not_last)


def group_pick(group: Sequence[str], members: Sequence[str], cursor: int, agents: Mapping[str, Agent | None], *,
               weight: int = 1) -> Pick | None:
    """The first free agent of ``group``, tried in the queue's round order from its cursor.

    Group agents who are not members of the queue come after the members, in the order given.
    The cursor moves past the chosen agent when they are a member (so the queue's round stays
    fair); otherwise it stays.
    """
    start = cursor % len(members) if members else 0
    in_round = [members[(start + step) % len(members)] for step in range(len(members))]
    order = [m for m in in_round if m in group] + [a for a in dict.fromkeys(group) if a not in members]
    pick = next_agent(order, 0, agents, weight=weight)
    if pick is None:
        return None
    after = (members.index(pick.agent_id) + 1) % len(members) if pick.agent_id in members else cursor
    return Pick(pick.agent_id, after, pick.skipped, rule=GROUP)
