"""While people hold a conversation (an open ticket) the bot never answers: messages wait for the agents."""

from __future__ import annotations

from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET, messages_collection
from tests.integration.conftest import OUTBOUND_PROBE, drain
from tests.integration.test_resolve_exactly_once import inbound


def test_a_message_during_an_open_ticket_gets_no_bot_answer_and_counts_unread(platform):
    first = inbound(platform, "hola", "m-0001")
    resolve_inbound_message(platform, first)
    drain(platform, OUTBOUND_PROBE)
    conversation = platform.store.get(CONVERSATIONS, first.conversation_id)
    platform.store.set(CONVERSATIONS, first.conversation_id, {**conversation, OPEN_TICKET: "tk_1"})

    waiting = inbound(platform, "¿hay alguien?", "m-0002")
    result = resolve_inbound_message(platform, waiting)
    again = resolve_inbound_message(platform, waiting)
    assert result.handled and result.replies == 0 and not again.handled
    assert drain(platform, OUTBOUND_PROBE) == []
    logged = platform.store.get(messages_collection(first.conversation_id), waiting.message_id)
    assert logged["text"] == "¿hay alguien?" and logged["ticket_id"] == "tk_1"
    assert platform.store.get(CONVERSATIONS, first.conversation_id)["unread"] == 1


def test_once_the_ticket_is_closed_the_bot_answers_again(platform):
    first = inbound(platform, "hola", "m-0003", visitor="visitor-0002")
    conversation_id = first.conversation_id
    platform.store.set(CONVERSATIONS, conversation_id, {"workspace_id": "demo", OPEN_TICKET: "tk_2"})
    assert resolve_inbound_message(platform, first).replies == 0
    conversation = platform.store.get(CONVERSATIONS, conversation_id)
    platform.store.set(CONVERSATIONS, conversation_id, {**conversation, OPEN_TICKET: ""})
    assert resolve_inbound_message(platform, inbound(platform, "hola", "m-0004", visitor="visitor-0002")).replies
