"""A session's first message that greets and asks (issue 17, point 2): the bot greets once, then answers the
question in the same turn; what is "beyond a greeting" is shared/bots/first_message.py's rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.bots.engine import BotPosition, TurnContext, take_turn
from shared.bots.first_message import beyond_greeting
from shared.bots.loader import load_bot_file

BOTS = Path(__file__).resolve().parent.parent.parent / "bots"
TIENDA = load_bot_file(BOTS / "tienda.yaml")
SHOP = load_bot_file(BOTS / "en" / "shop.yaml")
NOON_IN_BUENOS_AIRES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def first_turn(bot, text: str) -> list[str]:
    context = TurnContext(now=NOON_IN_BUENOS_AIRES, time_zone="America/Argentina/Buenos_Aires", channel="webchat",
                          contact_name="", session_timeout_s=1800, new_session_id="s1")
    return [reply.text for reply in take_turn(bot, BotPosition(), text, context).replies]


@pytest.mark.parametrize(("message", "rest"), [
    ("hola, buenas tardes, ¿hacen envíos al interior?", "hacen envios al interior"),
    ("hi! do you ship to Canada?", "do you ship to canada"),
    ("oi, vocês entregam no sábado?", "voces entregam no sabado"),
    ("Buen día! ¿Cómo estás? ¿Tienen cuotas?", "tienen cuotas"),
    ("good evening, are you open in the evening?", "are you open in the evening"),
])
def test_the_words_beyond_a_greeting_are_the_message_without_its_greeting_words(message, rest):
    assert beyond_greeting(message) == rest


@pytest.mark.parametrize("message", ["hola", "¡Hola, buenas tardes!", "hola, ¿qué tal?", "hi there, how are you?",
                                     "Oi, boa tarde, tudo bem?", "Good morning"])
def test_a_greeting_alone_leaves_nothing(message):
    assert beyond_greeting(message) == ""


def test_the_startup_intents_own_triggers_count_as_greeting_words():
    assert beyond_greeting("holis como va, ¿abren los sábados?", ["holis como va"]) == "abren los sabados"


def test_a_question_behind_a_greeting_trigger_is_answered_after_the_greeting():
    # "buenas tardes" is a phrase trigger of the startup intent and wins over the question's looser match;
    # the question used to be dropped.
    texts = first_turn(TIENDA, "buenas tardes, cuanto tarda envio?")
    assert texts[0] == "¡Buenas tardes! Soy Sol, la asistente virtual de Tienda Sol."
    assert texts[1].startswith("Elegí una opción:")
    assert texts[2].startswith("Enviamos a todo el país")
    assert len(texts) == 3


def test_the_greeting_is_said_once():
    texts = first_turn(SHOP, "hello there, when are you open?")
    assert sum("I'm Sunny" in text for text in texts) == 1
    assert texts[-1].startswith("We are open Monday to Friday")


@pytest.mark.parametrize(("bot", "message"), [(TIENDA, "hola"), (TIENDA, "hola, buenas tardes, ¿cómo estás?"),
                                              (SHOP, "hello"), (SHOP, "hi there, how are you?")])
def test_a_greeting_alone_gets_the_greeting_and_the_menu_as_before(bot, message):
    texts = first_turn(bot, message)
    assert len(texts) == 2
    assert texts[1].startswith(("Elegí una opción:", "Choose an option:"))

