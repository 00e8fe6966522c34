"""The pure routing rules: channel weights, language and skill first with overflow, who passed on an
invitation, direct groups, and the stored forms of the settings they read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.agents.model import CHANNEL_WEIGHTS, Agent, Queue, Ticket, channel_weight, instant
from shared.agents.routing import choose, group_pick, next_agent, requirements, speaks
from shared.kernel.errors import InvalidInput

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
MEMBERS = ("ana", "beto", "caro")


def agent(agent_id: str, status: str = "online", capacity: int = 2, held: int = 0, **fields) -> Agent:
    return Agent(id=agent_id, workspace_id="ws", name=agent_id.upper(), capacity=capacity, status=status,
                 active=tuple(f"tk_{agent_id}_{i}" for i in range(held)), load=held, **fields)


def team(*agents: Agent) -> dict[str, Agent]:
    return {a.id: a for a in agents}


def ticket(channel: str = "webchat", **fields) -> Ticket:
    return Ticket(id="tk_1", workspace_id="ws", conversation_id="cv_1", channel=channel, queue="default",
                  created_at=instant(NOW), **fields)


def route(the_ticket: Ticket, agents: dict[str, Agent], *, cursor: int = 0, at: datetime = NOW,
          overflow_after_s: int = 120):
    return choose(the_ticket, MEMBERS, cursor, agents, moment=at, overflow_after_s=overflow_after_s)


# -- capacity weighted by channel ---------------------------------------------

def test_a_call_weighs_two_chats_and_every_other_channel_one():
    assert dict(CHANNEL_WEIGHTS) == {"voice": 2, "phone": 2}
    assert [channel_weight(c) for c in ("voice", "phone", "webchat", "whatsapp", "telegram", "")] == [2, 2, 1, 1, 1, 1]
    assert ticket("voice").weight == 2 and ticket("sms").weight == 1
    with pytest.raises(TypeError):
        CHANNEL_WEIGHTS["webchat"] = 3  # type: ignore[index]  # one table for every workspace, not changed at run time


def test_free_capacity_is_capacity_minus_the_weights_held():
    on_a_call = Agent(id="ana", workspace_id="ws", name="Ana", capacity=3, status="online", active=("tk_call",),
                      load=2)
    assert on_a_call.free_slots == 1
    assert on_a_call.unavailable_because() == ""
    assert on_a_call.unavailable_because(2) == "without room for a chat of weight 2 (1 of 3 free)"
    full = Agent(id="ana", workspace_id="ws", name="Ana", capacity=2, status="online", active=("tk_call",), load=2)
    assert full.unavailable_because() == "full (2 of 2 chats)"


def test_an_agent_stored_before_weights_existed_counts_one_slot_per_held_chat():
    legacy = Agent.from_dict({"id": "ana", "workspace_id": "ws", "name": "Ana", "capacity": 2, "status": "online",
                              "active": ["tk_1", "tk_2"]})
    assert legacy.load == 2 and legacy.unavailable_because() == "full (2 of 2 chats)"
    assert Agent(id="ana", workspace_id="ws", name="Ana", load=5).load == 0  # nothing held: nothing used


def test_the_round_robin_passes_over_agents_without_room_for_a_call():
    agents = team(agent("ana", held=1), agent("beto", capacity=3, held=1), agent("caro"))
    pick = next_agent(MEMBERS, 0, agents, weight=2)
    assert pick.agent_id == "beto"
    assert pick.skipped == (("ana", "without room for a chat of weight 2 (1 of 2 free)"),)
    assert next_agent(MEMBERS, 0, agents).agent_id == "ana"  # a chat still fits


# -- language and skill, with overflow -----------------------------------------

def test_a_chat_in_a_language_goes_to_the_first_member_who_speaks_it():
    agents = team(agent("ana", languages=("es",)), agent("beto", languages=("es", "en")), agent("caro",
                                                                                               languages=("pt",)))
    pick = route(ticket(language="pt"), agents)
    assert (pick.agent_id, pick.rule, pick.cursor) == ("caro", "language pt", 0)
    assert pick.skipped == (("ana", "does not speak pt"), ("beto", "does not speak pt"))


def test_languages_match_on_their_primary_subtag_whatever_the_case():
    assert speaks(agent("ana", languages=("pt",)), "pt-BR")
    assert speaks(agent("ana", languages=("PT_br",)), "pt")
    assert not speaks(agent("ana", languages=("es",)), "pt-BR")


def test_until_its_overflow_instant_a_chat_waits_for_a_member_who_has_what_it_asks_for():
    agents = team(agent("ana", languages=("es",)), agent("beto", languages=("pt",), capacity=1, held=1),
                  agent("caro", languages=("es",)))
    waiting = ticket(language="pt", overflow_at=instant(NOW + timedelta(seconds=120)))
    assert route(waiting, agents, at=NOW + timedelta(seconds=119)) is None
    overflowed = route(waiting, agents, at=NOW + timedelta(seconds=120))
    assert (overflowed.agent_id, overflowed.rule) == ("ana", "overflow after 120 s")


def test_an_overflow_of_zero_lets_anyone_take_it_at_once_when_nobody_with_it_is_free():
    agents = team(agent("ana", languages=("es",)), agent("beto", status="paused", languages=("pt",)),
                  agent("caro", languages=("es",)))
    pick = route(ticket(language="pt", overflow_at=instant(NOW)), agents, cursor=1, overflow_after_s=0)
    assert (pick.agent_id, pick.rule) == ("caro", "overflow after 0 s")
    assert pick.skipped == (("beto", "paused"),)


def test_a_skill_is_asked_for_like_a_language_and_both_may_be():
    agents = team(agent("ana", languages=("pt",)), agent("beto", languages=("pt",), skills=("Billing",)),
                  agent("caro", skills=("billing",)))
    assert route(ticket(skill="billing"), agents).agent_id == "beto"  # skills match whatever the case
    both = route(ticket(language="pt", skill="billing"), agents)
    assert (both.agent_id, both.rule) == ("beto", "language pt, skill billing")
    assert both.skipped == (("ana", "lacks the skill billing"),)
    assert requirements(ticket()) == "" and route(ticket(), agents).rule == "round robin"


# -- invitations passed on ------------------------------------------------------

def test_who_passed_on_a_chat_is_skipped_while_someone_else_can_take_it():
    agents = team(agent("ana"), agent("beto"), agent("caro"))
    pick = route(ticket(passed=("ana",)), agents)
    assert (pick.agent_id, pick.skipped) == ("beto", (("ana", "passed on this chat"),))


def test_when_everyone_able_passed_a_new_round_starts_without_the_latest_to_pass():
    agents = team(agent("ana"), agent("beto"), agent("caro", status="offline"))
    pick = route(ticket(passed=("ana", "beto")), agents, cursor=1)
    assert (pick.agent_id, pick.cursor) == ("ana", 1)
    assert pick.skipped == (("beto", "passed on this chat last"), ("caro", "offline"))
    assert route(ticket(passed=("ana",)), team(agent("ana"))) is None  # never straight back to them


# -- a direct group -------------------------------------------------------------

def test_a_group_is_served_in_the_queues_round_order_from_its_cursor():
    agents = team(agent("ana"), agent("caro"))
    pick = group_pick(("ana", "caro"), MEMBERS, 2, agents)
    assert (pick.agent_id, pick.cursor, pick.rule) == ("caro", 0, "group")
    after = group_pick(("ana", "caro"), MEMBERS, 0, agents)
    assert (after.agent_id, after.cursor) == ("ana", 1)


def test_a_group_agent_outside_the_queue_comes_after_its_members_and_leaves_the_cursor():
    agents = team(agent("ana", status="paused"), agent("zoe"))
    pick = group_pick(("zoe", "ana"), MEMBERS, 1, agents)
    assert (pick.agent_id, pick.cursor, pick.skipped) == ("zoe", 1, (("ana", "paused"),))
    assert group_pick(("ana",), MEMBERS, 0, agents) is None


# -- stored forms ---------------------------------------------------------------

def test_the_new_fields_round_trip_through_their_json_form():
    holder = Agent(id="ana", workspace_id="ws", name="Ana", capacity=3, skills=("billing",), active=("tk_1",),
                   load=2, awaited=("tk_2",))
    assert Agent.from_dict(holder.to_dict()) == holder
    line = Queue(workspace_id="ws", name="ventas", wait_for_own_agent=True, overflow_after_s=120, invite_timeout_s=30)
    assert Queue.from_dict(line.to_dict()) == line
    invited = ticket(language="pt", skill="billing", overflow_at=instant(NOW), invited="ana",
                     invited_until=instant(NOW + timedelta(seconds=30)), passed=("beto",))
    assert Ticket.from_dict(invited.to_dict()) == invited
    assert not invited.is_waiting and ticket(reserved_for="ana").is_waiting


@pytest.mark.parametrize(("fields", "named"), [
    ({"overflow_after_s": -1}, "queue 'ventas': overflow_after_s must be a whole number, at least 0"),
    ({"invite_timeout_s": 2.5}, "queue 'ventas': invite_timeout_s"),
    ({"wait_for_own_agent": "yes"}, "queue 'ventas': wait_for_own_agent must be true or false"),
])
def test_invalid_queue_settings_are_refused_naming_the_field(fields, named):
    with pytest.raises(InvalidInput, match=named):
        Queue(workspace_id="ws", name="ventas", **fields)


@pytest.mark.parametrize(("fields", "named"), [
    ({"skills": "billing"}, "agent 'a1': skills"),
    ({"load": -1}, "agent 'a1': load"),
    ({"awaited": [1]}, "agent 'a1': awaited"),
])
def test_invalid_agent_routing_fields_are_refused_naming_the_field(fields, named):
    with pytest.raises(InvalidInput, match=named):
        Agent(**{"id": "a1", "workspace_id": "ws", "name": "Ana", **fields})
