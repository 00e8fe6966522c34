"""Asking for a person through the web chat, end to end (issue 17, point 1): the demo bots answer with their
hand-off and a NEW ticket waits in the bot's human queue, on the embedded backends and on the emulators; the
phrasing that used to mute the demo bot ("Quiero hablar con alguien por favor") opens one too."""

from __future__ import annotations

import time

import pytest

from shared.agents.model import TICKETS, Ticket
from shared.conversations.store_names import CONVERSATIONS
from tests.support.webchat_client import Visitor


def waiting_ticket(stack, conversation_id: str, timeout_s: float = 20.0) -> Ticket | None:
    """The ticket assign_agent opened for the conversation, once it is there."""
    store = stack.platform.store
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        conversation = store.get(CONVERSATIONS, conversation_id) or {}
        if conversation.get("ticket_id") and (data := store.get(TICKETS, conversation["ticket_id"])):
            return Ticket.from_dict(data)
        time.sleep(0.1)
    return None


@pytest.mark.parametrize(("site", "phrase", "handoff", "queue"), [
    ("demo-site", "hola, quiero hablar con una persona por favor", "Te comunico con una persona del equipo.",
     "ventas"),
    ("demo-site", "Quiero hablar con alguien por favor", "Te comunico con una persona del equipo.", "ventas"),
    ("demo-site", "necesito un asesor", "Te comunico con una persona del equipo.", "ventas"),
    ("demo-site", "can I talk to a human?", "Te comunico con una persona del equipo.", "ventas"),
    # servicos hands off to suporte, a queue the demo team does not have: assign_agent queues it in default.
    ("demo-site-pt", "oi, quero falar com um atendente", "Vou te passar para uma pessoa da equipe.", "default"),
])
def test_asking_for_a_person_in_the_web_chat_opens_a_ticket_in_the_bots_human_queue(stack, site, phrase, handoff,
                                                                                    queue):
    visitor = Visitor(f"http://127.0.0.1:{stack.port}", site=site)
    posted = visitor.say(phrase, name="Marta")
    replies = visitor.wait_for_replies(1)
    assert [r["text"] for r in replies if r.get("sender_type", "bot") == "bot"] == [handoff]
    ticket = waiting_ticket(stack, posted["conversation_id"])
    assert ticket is not None, "no ticket was opened"
    assert (ticket.queue, ticket.status) == (queue, "NEW")
