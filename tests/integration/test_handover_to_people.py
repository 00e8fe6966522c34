"""A conversation handed to people and back, on SQLite and on the Firestore emulator: the ticket mutes the
bot, the customer hears their place in line and their agent, the agent's reply goes out on the outbound
topic, every ticket event reaches the history, and closing the ticket gives the customer back to the bot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.agents import Agent, AgentDirectory, Queue, Ticket
from shared.agents.model import TICKETS
from shared.conversations.agent_messages import Author, add_private_note, mark_read, reply_as_agent
from shared.conversations.handover import TICKET_EXPIRY, agent_desk, expiry_task_name, hand_to_people
from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET, messages_collection
from shared.conversations.timers import handle_conversation_timer
from shared.events import topics
from shared.kernel.errors import Forbidden, InvalidInput, NotFound
from shared.messages.wire import AssignmentRequest, HistoryRecord, OutboundMessage
from shared.ports.clock import ManualClock
from shared.ports.event_bus import Subscription
from tests.integration.conftest import HISTORY_PROBE, OUTBOUND_PROBE, drain, platform_for
from tests.integration.test_resolve_exactly_once import inbound

WS = "demo"
ASSIGNMENT_PROBE = Subscription(name="test-assignment-probe", topic=topics.ASSIGNMENT, ordered=True)
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=ManualClock(START))
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    for probe in (OUTBOUND_PROBE, HISTORY_PROBE, ASSIGNMENT_PROBE):
        platform.bus.ensure_subscription(probe)
    platform.directory.load_folder(platform.settings.bots_dir)
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_queue(Queue(workspace_id=WS, name="ventas"))
    for agent_id in ("ana", "beto"):
        directory.save_agent(Agent(id=agent_id, workspace_id=WS, name=agent_id.capitalize(), queues=("ventas",)))
    yield platform
    platform.close()


def say(platform, text: str, n: int, visitor: str = "visitor-0001"):
    message = inbound(platform, text, f"m-{n:04d}", visitor=visitor)
    result = resolve_inbound_message(platform, message)
    return message, result


def ask_for_a_person(platform, visitor: str = "visitor-0001") -> tuple[str, AssignmentRequest]:
    say(platform, "hola", 1, visitor)
    message, _ = say(platform, "quiero hablar con alguien", 2, visitor)
    requests = [AssignmentRequest.from_json(d) for d in drain(platform, ASSIGNMENT_PROBE)]
    assert len(requests) == 1 and requests[0].queue == "ventas"
    drain(platform, OUTBOUND_PROBE)
    drain(platform, HISTORY_PROBE)
    return message.conversation_id, requests[0]


def sent(platform) -> list[OutboundMessage]:
    return [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]


def ticket_events(platform) -> list[str]:
    rows = [HistoryRecord.from_json(d) for d in drain(platform, HISTORY_PROBE)]
    return [r.row["type"] for r in rows if r.table == "events" and r.row["type"].startswith("ticket_")]


def test_a_customer_waits_in_line_then_gets_an_agent_who_answers_and_resolves(platform):
    conversation_id, request = ask_for_a_person(platform)
    outcome = hand_to_people(platform, request)
    ticket = outcome.ticket
    assert ticket.status == "NEW" and ticket.agent == "" and ticket.queue == "ventas"
    conversation = platform.store.get(CONVERSATIONS, conversation_id)
    assert conversation[OPEN_TICKET] == ticket.id and conversation["status"] == "with_agent"
    [position] = sent(platform)
    assert position.sender_type == "system" and "lugar 1 de la fila" in position.text
    assert position.recipient == "visitor-0001" and position.channel == "webchat"
    assert ticket_events(platform) == ["ticket_opened", "ticket_queued"]

    # The bot stays silent while people hold the chat.
    _, result = say(platform, "¿hay alguien?", 3)
    assert result.replies == 0 and sent(platform) == []
    assert platform.store.get(CONVERSATIONS, conversation_id)["unread"] == 1

    agent_desk(platform).set_agent_status(WS, "ana", "online")
    [assigned] = sent(platform)
    assert assigned.text == "Ana te atenderá en un momento."
    assert ticket_events(platform) == ["ticket_assigned"]

    ana = Author(WS, "ana", "Ana")
    reply = reply_as_agent(platform, ana, conversation_id, "¡Hola! Soy Ana, ¿en qué te ayudo?",
                           client_message_id="c-1")
    again = reply_as_agent(platform, ana, conversation_id, "¡Hola! Soy Ana, ¿en qué te ayudo?",
                           client_message_id="c-1")
    assert again.message_id == reply.message_id
    [out] = sent(platform)
    assert (out.sender_type, out.text, out.recipient) == ("agent", "¡Hola! Soy Ana, ¿en qué te ayudo?", "visitor-0001")
    assert out.payload["agent_name"] == "Ana"
    stored = Ticket.from_dict(platform.store.get(TICKETS, ticket.id))
    assert stored.status == "IN_PROGRESS"
    assert ticket_events(platform) == ["ticket_taken"]
    assert platform.store.get(CONVERSATIONS, conversation_id)["unread"] == 0

    agent_desk(platform).resolve(ticket.id, "ana", typification="consulta")
    conversation = platform.store.get(CONVERSATIONS, conversation_id)
    assert conversation[OPEN_TICKET] == "" and conversation["status"] == "bot"
    assert conversation["bot"]["handoff"] is None
    assert ticket_events(platform) == ["ticket_resolved"]
    assert platform.scheduler.cancel(expiry_task_name(ticket.id)) is False  # cancelled when it closed

    _, result = say(platform, "hola", 4)
    assert result.replies >= 1  # the bot answers again


def test_only_the_assignee_or_a_supervisor_may_reply_and_notes_never_go_out(platform):
    conversation_id, request = ask_for_a_person(platform)
    agent_desk(platform).set_agent_status(WS, "ana", "online")
    hand_to_people(platform, request)
    sent(platform)
    with pytest.raises(Forbidden, match="held by agent 'ana'"):
        reply_as_agent(platform, Author(WS, "beto", "Beto"), conversation_id, "hola", client_message_id="x")
    with pytest.raises(NotFound):
        reply_as_agent(platform, Author("otro", "ana", "Ana", supervises=True), conversation_id, "hola",
                       client_message_id="x")
    supervisor = reply_as_agent(platform, Author(WS, "beto", "Beto", supervises=True), conversation_id,
                                "Te ayudo yo", client_message_id="s-1")
    assert supervisor.sender_type == "agent"
    note = add_private_note(platform, Author(WS, "beto", "Beto"), conversation_id, "cliente VIP",
                            client_message_id="n-1")
    assert [m.text for m in sent(platform)] == ["Te ayudo yo"]
    logged = platform.store.get(messages_collection(conversation_id), note["message_id"])
    assert logged["sender_type"] == "note" and logged["direction"] == "internal"
    with pytest.raises(InvalidInput, match="text must not be empty"):
        reply_as_agent(platform, Author(WS, "ana", "Ana"), conversation_id, "  ", client_message_id="y")
    mark_read(platform, Author(WS, "ana", "Ana"), conversation_id)


def test_a_reply_after_the_ticket_closed_is_refused(platform):
    conversation_id, request = ask_for_a_person(platform)
    agent_desk(platform).set_agent_status(WS, "ana", "online")
    ticket = hand_to_people(platform, request).ticket
    agent_desk(platform).resolve(ticket.id, "ana")
    with pytest.raises(InvalidInput, match="no open ticket"):
        reply_as_agent(platform, Author(WS, "ana", "Ana"), conversation_id, "hola", client_message_id="late")


def test_a_ticket_left_open_expires_after_the_workspace_limit_and_the_bot_takes_over(platform):
    conversation_id, request = ask_for_a_person(platform)
    ticket = hand_to_people(platform, request).ticket
    payload = {"action": TICKET_EXPIRY, "ticket_id": ticket.id, "workspace_id": WS,
               "conversation_id": conversation_id, "after_hours": 48.0}
    data = json.dumps(payload).encode()
    assert handle_conversation_timer(platform, data, expiry_task_name(ticket.id)) is False  # not due yet
    platform.clock.advance(timedelta(hours=48, seconds=1))
    assert handle_conversation_timer(platform, data, expiry_task_name(ticket.id)) is True
    assert handle_conversation_timer(platform, data, expiry_task_name(ticket.id)) is False  # redelivered
    assert Ticket.from_dict(platform.store.get(TICKETS, ticket.id)).status == "EXPIRED"
    assert platform.store.get(CONVERSATIONS, conversation_id)[OPEN_TICKET] == ""
    assert "ticket_expired" in ticket_events(platform)
    assert platform.scheduler.cancel(expiry_task_name(ticket.id)) is True  # it was scheduled at opening


def test_a_redelivered_request_opens_one_ticket_and_tells_the_customer_once(platform):
    _, request = ask_for_a_person(platform)
    first = hand_to_people(platform, request)
    second = hand_to_people(platform, request)
    assert second.redelivered and second.ticket.id == first.ticket.id
    assert len(sent(platform)) == 1


def test_a_hand_off_to_an_unknown_queue_waits_in_the_default_queue(platform):
    _, request = ask_for_a_person(platform)
    lost = AssignmentRequest(**{**request.to_dict(), "queue": "no-existe"})
    ticket = hand_to_people(platform, lost).ticket
    assert ticket.queue == "default" and ticket.is_waiting
    assert AgentDirectory(platform.store, platform.clock).queue(WS, "default").waiting == (ticket.id,)


def test_a_customer_in_line_hears_the_wait_the_queues_recent_chats_suggest(platform):
    agent_desk(platform).set_agent_status(WS, "ana", "online")
    _, first = ask_for_a_person(platform, "visitor-0001")
    ticket = hand_to_people(platform, first).ticket
    assert ticket.agent == "ana"
    platform.clock.advance(timedelta(minutes=6))
    agent_desk(platform).resolve(ticket.id, "ana")
    _, second = ask_for_a_person(platform, "visitor-0002")
    assert hand_to_people(platform, second).ticket.agent == "ana"
    _, third = ask_for_a_person(platform, "visitor-0003")
    sent(platform)
    hand_to_people(platform, third)
    [notice] = sent(platform)
    assert notice.text == ("Estás en el lugar 1 de la fila (unos 6 min de espera). Te atenderá la próxima persona"
                           " disponible.")


def test_the_contacts_own_agent_and_the_customers_language_choose_the_agent(platform):
    from shared.contacts import ContactBook

    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_agent(Agent(id="beto", workspace_id=WS, name="Beto", queues=("ventas",), languages=("en",)))
    for agent_id in ("ana", "beto"):
        agent_desk(platform).set_agent_status(WS, agent_id, "online")
    conversation_id, request = ask_for_a_person(platform, "visitor-0001")
    contact_id = platform.store.get(CONVERSATIONS, conversation_id)["contact_id"]
    ContactBook(platform.store, platform.clock).update(WS, contact_id, agent="beto")
    ticket = hand_to_people(platform, request).ticket
    assert ticket.agent == "beto" and ticket.history[-1]["rule"] == "own agent"

    other_id, other = ask_for_a_person(platform, "visitor-0002")
    conversation = platform.store.get(CONVERSATIONS, other_id)
    platform.store.set(CONVERSATIONS, other_id, {**conversation, "language": "en"})
    agent_desk(platform).resolve(ticket.id, "beto")
    assert hand_to_people(platform, other).ticket.agent == "beto"  # the one who speaks English


def test_an_invitation_nobody_answers_passes_to_the_next_agent_when_its_timer_runs(platform):
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_queue(Queue(workspace_id=WS, name="ventas", members=("ana", "beto"), invite_timeout_s=60))
    for agent_id in ("ana", "beto"):
        agent_desk(platform).set_agent_status(WS, agent_id, "online")
    conversation_id, request = ask_for_a_person(platform)
    ticket = hand_to_people(platform, request).ticket
    first = ticket.invited
    assert first in ("ana", "beto") and ticket.agent == ""
    assert platform.store.get(CONVERSATIONS, conversation_id)["invited"] == first
    timer = {"action": "invitation_expiry", "ticket_id": ticket.id, "workspace_id": WS,
             "conversation_id": conversation_id, "queue": "ventas"}
    assert handle_conversation_timer(platform, json.dumps(timer).encode(), "invitation-1") is False  # not yet
    platform.clock.advance(timedelta(seconds=61))
    assert handle_conversation_timer(platform, json.dumps(timer).encode(), "invitation-1") is True
    second = Ticket.from_dict(platform.store.get(TICKETS, ticket.id)).invited
    assert second and second != first
    assert agent_desk(platform).accept_invitation(ticket.id, second).ticket.agent == second


def test_a_channel_line_sends_its_hand_offs_to_its_own_agents_first(platform):
    from dataclasses import replace

    route = platform.directory.channel("webchat", "demo-site")
    platform.directory.save_channel(replace(route, agents=("beto",)))
    for agent_id in ("ana", "beto"):
        agent_desk(platform).set_agent_status(WS, agent_id, "online")
    _, request = ask_for_a_person(platform)
    ticket = hand_to_people(platform, request).ticket
    assert ticket.agent == "beto" and ticket.history[-1]["rule"] == "group"
