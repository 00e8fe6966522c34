"""The first engine: startup, triggers, ${} texts, menus and buttons as numbered choices, not understood."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.bots.engine import BotPosition, TurnContext, take_turn
from shared.bots.loader import load_bot_file
from shared.bots.matching import match_trigger, normalise

BOT = load_bot_file(Path(__file__).parent.parent.parent / "bots" / "tienda.yaml")
NOON_IN_BUENOS_AIRES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 12:00 local


def context(now: datetime = NOON_IN_BUENOS_AIRES, session: str = "s1", name: str = "") -> TurnContext:
    return TurnContext(now=now, time_zone="America/Argentina/Buenos_Aires", channel="webchat", contact_name=name,
                       session_timeout_s=1800, new_session_id=session)


@pytest.fixture
def position() -> BotPosition:
    return BotPosition()


def test_normalisation_drops_case_accents_and_punctuation_but_keeps_enie():
    assert normalise("¡Hola, AÑO Cómo estás!!") == "hola año como estas"


def test_the_first_message_runs_the_startup_intent_with_the_greeting_of_the_local_hour(position):
    outcome = take_turn(BOT, position, "hola", context(name="Ana"))
    assert outcome.replies[0].text == "¡Buenas tardes Ana! Soy Sol, la asistente virtual de Tienda Sol."
    assert outcome.replies[1].kind == "menu"
    assert outcome.replies[1].text.startswith("Elegí una opción:\n1. Información")
    assert [e.type for e in outcome.events][:2] == ["session_started", "startup"]


def test_a_first_message_with_a_question_gets_the_greeting_and_the_answer(position):
    outcome = take_turn(BOT, position, "Hacen envíos?", context())
    texts = [r.text for r in outcome.replies]
    assert texts[0].startswith("¡Buenas tardes!")
    assert texts[-1].startswith("Enviamos a todo el país")


def test_exact_phrase_and_keyword_triggers_match_in_that_order_of_confidence():
    exact = match_trigger(BOT, "A qué hora abren?")
    phrase = match_trigger(BOT, "hola, a que hora abren mañana")
    keywords = match_trigger(BOT, "horario atencion de la tienda")
    assert (exact.intent, exact.how) == ("horario_atencion", "exact")
    assert (phrase.intent, phrase.how) == ("horario_atencion", "phrase")
    assert (keywords.intent, keywords.how) == ("horario_atencion", "keywords")
    assert exact.confidence > phrase.confidence > keywords.confidence
    assert match_trigger(BOT, "quiero un unicornio") is None


def test_a_message_nobody_understands_runs_the_not_understood_intent(position):
    take_turn(BOT, position, "hola", context())
    outcome = take_turn(BOT, position, "quiero un unicornio", context())
    assert outcome.replies[0].text.startswith("Perdón, no te entendí")
    assert [e.type for e in outcome.events] == ["not_understood", "not_understood_fallback"]


def test_menu_options_are_chosen_by_number_or_title_with_submenus_and_back(position):
    take_turn(BOT, position, "hola", context())
    sub = take_turn(BOT, position, "1", context())
    assert sub.replies[0].text.startswith("¿Sobre qué?\n1. Horarios")
    pay = take_turn(BOT, position, "medios de pago", context())
    assert pay.replies[0].text == "Aceptamos tarjetas, transferencia y efectivo."
    take_turn(BOT, position, "hola", context())
    take_turn(BOT, position, "Información", context())
    back = take_turn(BOT, position, "4", context())
    assert back.replies[0].text.startswith("Elegí una opción:")


def test_buttons_offer_their_titles_and_a_choice_follows_its_go_to(position):
    take_turn(BOT, position, "hola", context())
    shown = take_turn(BOT, position, "horario de atencion", context())
    assert shown.replies[1].kind == "buttons" and shown.replies[1].options == ("Ver menú", "Envíos")
    chosen = take_turn(BOT, position, "Envíos", context())
    assert chosen.replies[0].text.startswith("Enviamos")


def test_closing_from_the_menu_ends_the_session_and_the_next_message_starts_a_new_one(position):
    take_turn(BOT, position, "hola", context())
    closed = take_turn(BOT, position, "3", context())
    assert closed.replies[0].text == "¡Gracias por escribirnos!"
    again = take_turn(BOT, position, "hola", context(session="s2"))
    assert [e.type for e in again.events][:2] == ["session_ended", "session_started"]
    assert position.session_id == "s2"


def test_a_session_expires_after_the_inactivity_timeout(position):
    take_turn(BOT, position, "hola", context())
    later = NOON_IN_BUENOS_AIRES + timedelta(hours=1)
    outcome = take_turn(BOT, position, "muchas gracias", context(now=later, session="s2"))
    assert outcome.events[0].type == "session_ended" and outcome.events[0].detail["reason"] == "inactivity"
    assert outcome.replies[-1].text.startswith("¡De nada!")


def test_the_position_survives_a_round_trip_through_its_stored_form(position):
    take_turn(BOT, position, "hola", context())
    restored = BotPosition.from_dict(position.to_dict())
    assert take_turn(BOT, restored, "1", context()).replies[0].text.startswith("¿Sobre qué?")
