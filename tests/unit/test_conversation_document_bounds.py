"""A conversation's document (and a ticket's) must stay far below Firestore's 1 MiB whatever its customers say
and its bots save: what grows on it (bot variables, tags, a ticket's timeline) is bounded; the message log
lives in its own subcollection."""

from __future__ import annotations

import json

from shared.agents.model import NEW, Ticket
from shared.agents.tickets import noted
from shared.bots.engine import BotPosition, variables_size
from shared.kernel.limits import (
    MAX_BOT_VARIABLES_BYTES,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TICKET_TIMELINE,
    MAX_VARIABLES,
    bounded_tags,
)
from shared.ports.webhook_caller import WebhookResponse
from tests.unit.test_engine_constructs import Chat, FakeWebhookCaller

ORDER_URL = "https://api.example.com/orders/123456?q="
WIDE = "\U0001f600"  # four bytes in UTF-8: the widest a character is stored


def test_a_webhook_answer_too_large_to_keep_is_not_saved_and_says_so():
    huge = {"status": WIDE * MAX_BOT_VARIABLES_BYTES, "items": [{"name": "remera"}]}
    chat = Chat(webhooks=FakeWebhookCaller({ORDER_URL: WebhookResponse(200, huge)}))
    chat.say("buenas")
    chat.say("estado de mi pedido")
    chat.say("123456")
    assert "estado" not in chat.position.variables and chat.position.variables["primero"] == "remera"
    assert "variable_not_kept" in chat.events()
    assert variables_size(chat.position.variables) <= MAX_BOT_VARIABLES_BYTES


def test_a_bot_adds_no_tag_beyond_the_limit():
    chat = Chat()
    chat.position.tags = [f"t{n}" for n in range(MAX_TAGS - 1)]
    chat.say("quiero comprar algo")
    chat.say("tres")  # the intent tags "compra" and "cliente 3": one fits
    assert len(chat.position.tags) == MAX_TAGS and "tag_not_kept" in chat.events()


def largest_position() -> BotPosition:
    """A bot position filled to every cap with the widest characters (its menus and questions come from the
    bot's file, bounded by the bot format's limits)."""
    position = BotPosition(session_id="s" * 64, session_started_at="2026-03-02T15:00:00+00:00",
                           last_activity_at="2026-03-02T15:00:00+00:00", bot_id="b" * 64, last_intent="i" * 64,
                           topic="t" * 64, turn=2**62, menu_token="m" * 64, failed_attempts=2**62,
                           muted_until="2026-03-02T15:00:00+00:00")
    position.tags = bounded_tags([f"{n:02d}" + WIDE * (MAX_TAG_CHARS - 2) for n in range(MAX_TAGS)])
    name = 0
    while len(position.variables) < MAX_VARIABLES:
        value = WIDE * (MAX_BOT_VARIABLES_BYTES // MAX_VARIABLES // 4)
        if not position.keeps_variable(f"{name:04d}" + "v" * 60, value):
            break
        name += 1
    for size in (4096, 512, 64, 8, 1):  # then whatever room is left, in smaller pieces
        while position.keeps_variable(f"{name:04d}", WIDE * size):
            name += 1
    return position


def test_largest_conversation_document_stays_far_below_one_mebibyte():
    position = largest_position()
    assert variables_size(position.variables) <= MAX_BOT_VARIABLES_BYTES
    assert not position.keeps_variable("one more", "x" * 100)
    stamp = "2026-03-02T15:00:00.000000+00:00"
    # The conversation document as resolve, turns, hand-over and agents' messages write it (every key they set).
    document = {
        "workspace_id": "w" * 64, "channel": "c" * 32, "account": "a" * 200, "contact": "x" * 200,
        "contact_id": "ct_" + "0" * 24, "contact_name": WIDE * 200, "bot": position.to_dict(), "bot_id": "b" * 64,
        "tags": list(position.tags), "status": "with_agent", "updated_at": stamp, "last_message_at": stamp,
        "last_agent_message_at": stamp, "message_count": 2**63 - 1, "unread": 2**63 - 1, "ticket_id": "tk_" + "0" * 24,
        "agent": "a" * 200, "queue": "q" * 64, "ticket_status": "ASSIGNED", "invited": "a" * 200,
        "session": {key: stamp for key in ("queued_at", "agent_joined_at", "first_agent_reply_at", "opened_at")}
        | {key: "k" * 200 for key in ("ticket_id", "agent_id", "resolved_by", "resolution", "typification", "queue")},
    }
    size = len(json.dumps(document, ensure_ascii=False).encode())
    assert size < 256 * 1024, f"the largest conversation document takes {size} bytes"


def test_a_ticket_passed_back_and_forth_keeps_its_opening_and_latest_events_only():
    stamp = "2026-03-02T15:00:00.000000+00:00"
    ticket = Ticket(id="tk_" + "0" * 24, workspace_id="w" * 64, conversation_id="cv_" + "0" * 24, channel="webchat",
                    queue="q" * 64, created_at=stamp, history=({"status": NEW, "by": "system", "at": stamp},))
    for n in range(3 * MAX_TICKET_TIMELINE):
        ticket = noted(ticket, "transferred", "a" * 60, stamp, to_agent=f"agent-{n}", reason="x" * 50)
    assert len(ticket.history) == MAX_TICKET_TIMELINE
    last = f"agent-{3 * MAX_TICKET_TIMELINE - 1}"
    assert ticket.history[0]["status"] == NEW and ticket.history[-1]["to_agent"] == last
    assert len(json.dumps(ticket.to_dict()).encode()) < 256 * 1024
