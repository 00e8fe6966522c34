"""Each session's row in the sessions table, written once when it ends, on SQLite and the Firestore emulator:
bot only, with an agent (first response times from the queue and from the agent joining, who resolved it
and how), abandoned; ended by its idle timer or by the customer's next message; with its campaign."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.conversations.agent_messages import Author, reply_as_agent
from shared.conversations.handover import agent_desk, hand_to_people
from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.sessions import SESSION, SESSION_TIMEOUT
from shared.conversations.store_names import CONVERSATIONS
from shared.conversations.timers import handle_conversation_timer
from shared.history.rows import validate_rows
from shared.history.tables import history_tables
from shared.messages.wire import AssignmentRequest, HistoryRecord
from tests.integration.conftest import HISTORY_PROBE, OUTBOUND_PROBE, drain
from tests.integration.test_handover_to_people import ASSIGNMENT_PROBE, WS
from tests.integration.test_handover_to_people import platform as handover_platform  # noqa: F401
from tests.integration.test_resolve_exactly_once import inbound


@pytest.fixture
def platform(handover_platform):  # noqa: F811 - a ManualClock platform with agents ana and beto in "ventas"
    return handover_platform


def say(platform, text: str, n: int, visitor: str = "visitor-0001", **payload):
    message = inbound(platform, text, f"{visitor}-{n:04d}", visitor=visitor)
    if payload:
        message = type(message).from_dict({**message.to_dict(), "payload": payload})
    resolve_inbound_message(platform, message)
    return message.conversation_id


def session_rows(platform) -> list[dict]:
    records = [HistoryRecord.from_json(d) for d in drain(platform, HISTORY_PROBE)]
    rows = [r.row for r in records if r.table == "sessions"]
    validate_rows(history_tables()["sessions"], rows)  # every row fits the table's schema
    return rows


def fire_session_timer(platform, conversation_id: str) -> bool:
    conversation = platform.store.get(CONVERSATIONS, conversation_id)
    payload = {"action": SESSION_TIMEOUT, "conversation_id": conversation_id, "workspace_id": WS,
               "session_id": conversation[SESSION]["session_id"], "attempt": 0}
    return handle_conversation_timer(platform, json.dumps(payload).encode(), "session-timer")


def test_a_bot_only_session_is_written_when_its_timer_finds_it_idle_and_only_once(platform):
    timeout = platform.settings.session_timeout_s
    conversation_id = say(platform, "hola", 1, referral={"ref": "verano", "source_id": "ad-77"})
    platform.clock.advance(timedelta(minutes=2))
    say(platform, "hacen envíos?", 2)
    session_rows(platform)
    assert fire_session_timer(platform, conversation_id) is False  # still within the timeout
    assert session_rows(platform) == []
    platform.clock.advance(timedelta(seconds=timeout + 1))
    assert fire_session_timer(platform, conversation_id) is True
    assert fire_session_timer(platform, conversation_id) is False  # redelivered: no second row
    [row] = session_rows(platform)
    assert row["handled_by"] == "bot" and row["channel"] == "webchat"
    assert row["duration_s"] == 120.0 and row["intents_matched"] >= 1
    assert (row["campaign"], row["subcampaign"]) == ("verano", "ad-77")
    assert row["agent_id"] is None and row["first_response_from_queue_s"] is None


def test_the_customers_next_message_after_the_timeout_writes_the_old_sessions_row(platform):
    say(platform, "hola", 1)
    platform.clock.advance(timedelta(seconds=platform.settings.session_timeout_s + 60))
    say(platform, "hola", 2)
    [row] = session_rows(platform)
    assert row["handled_by"] == "bot" and row["duration_s"] == 0.0


def test_a_session_with_an_agent_records_first_response_times_and_its_resolution(platform):
    conversation_id = say(platform, "hola", 1)
    say(platform, "quiero hablar con alguien", 2)
    [request] = [AssignmentRequest.from_json(d) for d in drain(platform, ASSIGNMENT_PROBE)]
    hand_to_people(platform, request)
    platform.clock.advance(timedelta(minutes=3))
    agent_desk(platform).set_agent_status(WS, "ana", "online")
    platform.clock.advance(timedelta(minutes=1))
    reply_as_agent(platform, Author(WS, "ana", "Ana"), conversation_id, "Hola, soy Ana", client_message_id="a1")
    platform.clock.advance(timedelta(hours=2))  # a long chat: the timer waits while the ticket is open
    assert fire_session_timer(platform, conversation_id) is False
    ticket_id = platform.store.get(CONVERSATIONS, conversation_id)["ticket_id"]
    agent_desk(platform).resolve(ticket_id, "ana", typification="Consulta")
    platform.clock.advance(timedelta(seconds=platform.settings.session_timeout_s + 1))
    session_rows(platform)
    drain(platform, OUTBOUND_PROBE)
    assert fire_session_timer(platform, conversation_id) is True
    [row] = session_rows(platform)
    assert row["handled_by"] == "agent" and row["agent_id"] == "ana" and row["queue"] == "ventas"
    assert row["first_response_from_queue_s"] == 240.0 and row["first_response_from_agent_s"] == 60.0
    assert (row["resolved_by"], row["resolution"], row["typification"]) == ("ana", "RESOLVED", "Consulta")
    assert row["ticket_id"] == ticket_id


def test_a_customer_who_leaves_the_line_before_any_agent_is_an_abandoned_session(platform):
    conversation_id = say(platform, "hola", 1)
    say(platform, "quiero hablar con alguien", 2)
    [request] = [AssignmentRequest.from_json(d) for d in drain(platform, ASSIGNMENT_PROBE)]
    hand_to_people(platform, request)
    say(platform, "#bot", 3)  # the resume keyword: leaves the line
    platform.clock.advance(timedelta(seconds=platform.settings.session_timeout_s + 1))
    session_rows(platform)
    assert fire_session_timer(platform, conversation_id) is True
    [row] = session_rows(platform)
    assert row["handled_by"] == "abandoned" and row["resolution"] == "CANCELLED" and row["resolved_by"] == "customer"

