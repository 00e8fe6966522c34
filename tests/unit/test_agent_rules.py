"""The pure rules of human assignment: ticket transitions, business hours, the round-robin choice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.agents.hours import check_business_hours, is_open, next_opening
from shared.agents.model import Agent, Queue, Ticket
from shared.agents.routing import next_agent
from shared.agents.tickets import TRANSITIONS, can_move, moved
from shared.kernel.errors import InvalidInput

OPEN = ("NEW", "IN_PROGRESS")
CLOSED = ("RESOLVED", "CANCELLED", "NO_ANSWER", "EXPIRED")

# Office hours in Bogota (UTC-5, no daylight saving): weekdays 09:00-18:00, Saturday morning, no Sunday.
BOGOTA_HOURS = {
    "time_zone": "America/Bogota",
    "days": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["09:00", "13:00"]]},
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def ticket(status: str = "NEW") -> Ticket:
    return Ticket(id="tk_1", workspace_id="ws", conversation_id="cv_1", channel="webchat", queue="default",
                  created_at="2026-01-05T12:00:00.000000+00:00", status=status)


def agent(agent_id: str, status: str = "online", capacity: int = 2, load: int = 0) -> Agent:
    return Agent(id=agent_id, workspace_id="ws", name=agent_id.upper(), capacity=capacity, status=status,
                 active=tuple(f"tk_{agent_id}_{i}" for i in range(load)))


# -- ticket transitions ------------------------------------------------------

@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("closing", CLOSED)
def test_an_open_ticket_can_be_closed_every_way(status, closing):
    assert can_move(status, closing)


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_ticket_never_changes_again(status):
    assert TRANSITIONS[status] == frozenset()
    assert not any(can_move(status, target) for target in TRANSITIONS)


def test_an_agent_takes_a_new_ticket_and_a_transfer_hands_it_over_again():
    assert can_move("NEW", "IN_PROGRESS")
    assert can_move("IN_PROGRESS", "NEW")
    assert not can_move("NEW", "NEW")
    assert not can_move("IN_PROGRESS", "IN_PROGRESS")


def test_the_table_covers_every_status_and_names_only_known_ones():
    assert set(TRANSITIONS) == set(OPEN + CLOSED)
    assert all(targets <= set(TRANSITIONS) for targets in TRANSITIONS.values())


def test_a_transition_is_recorded_with_who_and_when():
    taken = moved(ticket(), "IN_PROGRESS", "ana", "2026-01-05T12:01:00.000000+00:00")
    assert taken.status == "IN_PROGRESS"
    assert taken.history[-1] == {"status": "IN_PROGRESS", "by": "ana", "at": "2026-01-05T12:01:00.000000+00:00"}


def test_a_transition_outside_the_table_is_refused_naming_ticket_and_statuses():
    with pytest.raises(InvalidInput, match=r"ticket 'tk_1' cannot go from RESOLVED to IN_PROGRESS"):
        moved(ticket("RESOLVED"), "IN_PROGRESS", "ana", "2026-01-05T12:01:00.000000+00:00")
    with pytest.raises(InvalidInput, match="unknown ticket status 'DONE'"):
        moved(ticket(), "DONE", "ana", "2026-01-05T12:01:00.000000+00:00")


# -- business hours ----------------------------------------------------------

def test_no_business_hours_means_always_open():
    assert is_open(None, utc(2026, 1, 4, 3, 0))


@pytest.mark.parametrize(("moment", "expected"), [
    (utc(2026, 1, 5, 14, 0), True),     # Monday 09:00 in Bogota: opening minute
    (utc(2026, 1, 5, 13, 59), False),   # Monday 08:59 in Bogota (already 13:59 in UTC)
    (utc(2026, 1, 5, 22, 59), True),    # Monday 17:59
    (utc(2026, 1, 5, 23, 0), False),    # Monday 18:00: the closing minute is closed
    (utc(2026, 1, 10, 17, 0), True),    # Saturday 12:00
    (utc(2026, 1, 10, 18, 0), False),   # Saturday 13:00
    (utc(2026, 1, 6, 2, 0), False),     # Tuesday 02:00 UTC is still Monday 21:00 in Bogota
])
def test_opening_is_judged_in_the_queues_time_zone(moment, expected):
    assert is_open(BOGOTA_HOURS, moment) is expected


def test_a_day_without_hours_is_closed_all_day():
    sunday_noon = utc(2026, 1, 11, 17, 0)
    assert not is_open(BOGOTA_HOURS, sunday_noon)
    assert not is_open({"time_zone": "UTC", "days": {"sun": []}}, sunday_noon)


def test_an_interval_may_run_to_midnight_and_a_day_may_have_several():
    hours = {"time_zone": "Europe/Madrid", "days": {"mon": [["08:00", "14:00"], ["16:00", "24:00"]]}}
    assert is_open(hours, utc(2026, 1, 5, 22, 59))  # 23:59 in Madrid
    assert not is_open(hours, utc(2026, 1, 5, 14, 0))  # 15:00: the lunch break
    assert is_open(hours, utc(2026, 1, 5, 15, 0))


def test_intervals_may_be_written_as_text():
    hours = {"time_zone": "UTC", "days": {"mon": ["08:00-12:00", ["14:00", "18:00"]]}}
    assert is_open(hours, utc(2026, 1, 5, 9, 0)) and is_open(hours, utc(2026, 1, 5, 15, 0))
    assert not is_open(hours, utc(2026, 1, 5, 13, 0))


def test_the_next_opening_is_found_across_the_weekend():
    friday_evening = utc(2026, 1, 10, 1, 0)  # Friday 20:00 in Bogota
    assert next_opening(BOGOTA_HOURS, friday_evening) == utc(2026, 1, 10, 14, 0)  # Saturday 09:00
    saturday_afternoon = utc(2026, 1, 10, 20, 0)
    assert next_opening(BOGOTA_HOURS, saturday_afternoon) == utc(2026, 1, 12, 14, 0)  # Monday 09:00
    assert next_opening(BOGOTA_HOURS, utc(2026, 1, 5, 15, 0)) == utc(2026, 1, 5, 15, 0)  # open now
    assert next_opening({"time_zone": "UTC", "days": {}}, friday_evening) is None


@pytest.mark.parametrize(("hours", "named"), [
    ({"time_zone": "Mars/Olympus", "days": {}}, "business_hours.time_zone"),
    ({"time_zone": "UTC", "days": {"monday": [["09:00", "18:00"]]}}, "business_hours.days"),
    ({"time_zone": "UTC", "days": {"mon": [["9:00", "18:00"]]}}, r"business_hours.days.mon\[0\]"),
    ({"time_zone": "UTC", "days": {"tue": [["18:00", "09:00"]]}}, r"business_hours.days.tue\[0\]"),
    ({"time_zone": "UTC", "days": {}, "holidays": []}, "unknown field.*holidays"),
    ({"time_zone": "UTC", "days": {"wed": "09:00-18:00"}}, "business_hours.days.wed: expected a list"),
])
def test_malformed_business_hours_are_refused_naming_the_field(hours, named):
    with pytest.raises(InvalidInput, match=named):
        check_business_hours(hours)
    with pytest.raises(InvalidInput, match=f"queue 'ventas'.*{named}"):
        Queue(workspace_id="ws", name="ventas", business_hours=hours)


# -- the round-robin choice --------------------------------------------------

def test_the_choice_starts_at_the_cursor_and_moves_it_past_the_chosen_agent():
    agents = {a.id: a for a in (agent("a"), agent("b"), agent("c"))}
    pick = next_agent(["a", "b", "c"], 1, agents)
    assert (pick.agent_id, pick.cursor, pick.skipped) == ("b", 2, ())
    last = next_agent(["a", "b", "c"], 2, agents)
    assert (last.agent_id, last.cursor) == ("c", 0)


def test_offline_paused_and_full_agents_are_skipped_with_the_reason():
    agents = {a.id: a for a in (agent("a", "paused"), agent("b", "offline"), agent("c", load=2), agent("d"))}
    pick = next_agent(["a", "b", "c", "d"], 0, agents)
    assert (pick.agent_id, pick.cursor) == ("d", 0)
    assert pick.skipped == (("a", "paused"), ("b", "offline"), ("c", "full (2 of 2 chats)"))


def test_the_round_wraps_and_a_stale_cursor_still_lands_on_a_member():
    agents = {a.id: a for a in (agent("a"), agent("b", load=2), agent("c", "paused"))}
    assert next_agent(["a", "b", "c"], 2, agents).agent_id == "a"
    assert next_agent(["a", "b", "c"], 7, agents).agent_id == "a"  # 7 % 3 == 1: b is full, c paused, then a


def test_a_member_that_no_longer_exists_is_skipped():
    pick = next_agent(["gone", "b"], 0, {"b": agent("b")})
    assert pick.agent_id == "b" and pick.skipped == (("gone", "unknown"),)


def test_nobody_is_chosen_when_every_member_is_away_or_full():
    agents = {a.id: a for a in (agent("a", "offline"), agent("b", capacity=1, load=1))}
    assert next_agent(["a", "b"], 0, agents) is None
    assert next_agent([], 0, {}) is None


def test_repeated_choices_spread_chats_evenly():
    agents = {a.id: a for a in (agent("a", capacity=9), agent("b", capacity=9), agent("c", capacity=9))}
    cursor, chosen = 0, []
    for _ in range(7):
        pick = next_agent(["a", "b", "c"], cursor, agents)
        cursor = pick.cursor
        chosen.append(pick.agent_id)
    assert chosen == ["a", "b", "c", "a", "b", "c", "a"]


# -- the stored forms --------------------------------------------------------

def test_documents_round_trip_through_their_json_form():
    original = Agent(id="a1", workspace_id="ws", name="Ana", role="supervisor", queues=("ventas",), capacity=3,
                     languages=("es", "pt"), active=("tk_1",))
    assert Agent.from_dict(original.to_dict()) == original
    assert original.to_dict()["queues"] == ["ventas"]
    queue = Queue(workspace_id="ws", name="ventas", members=("a1",), business_hours=BOGOTA_HOURS,
                  closed_message="Volvemos el lunes")
    assert Queue.from_dict(queue.to_dict()) == queue
    # Firestore holds no array inside an array: intervals are stored as text.
    assert queue.to_dict()["business_hours"]["days"]["mon"] == ["09:00-18:00"]
    assert queue.business_hours["days"]["mon"] == [["09:00", "18:00"]]
    assert Ticket.from_dict(ticket().to_dict()) == ticket()


@pytest.mark.parametrize(("fields", "named"), [
    ({"capacity": 0}, "agent 'a1': capacity"),
    ({"status": "busy"}, "agent 'a1': status"),
    ({"role": "owner"}, "agent 'a1': role"),
    ({"queues": "ventas"}, "agent 'a1': queues"),
])
def test_an_invalid_agent_is_refused_naming_the_field(fields, named):
    with pytest.raises(InvalidInput, match=named):
        Agent(**{"id": "a1", "workspace_id": "ws", "name": "Ana", **fields})


def test_unknown_fields_are_refused():
    with pytest.raises(InvalidInput, match=r"unknown field.*nickname"):
        Agent.from_dict({"id": "a1", "workspace_id": "ws", "name": "Ana", "nickname": "A"})
