"""An `ask` answered with a sentence, run by the engine (tests/fixtures/constructs.yaml): the value inside is
kept and the intent goes on; two values ask again with the retry prompt, and no event names what was said."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared.bots.engine import BotPosition, TurnContext, TurnOutcome, take_turn
from shared.bots.loader import load_bot_file

BOT = load_bot_file(Path(__file__).parent.parent / "fixtures" / "constructs.yaml")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EMAIL_QUESTION = "¿A qué email te lo mando, así podemos enviarte el recibo?"


def context() -> TurnContext:
    return TurnContext(now=NOW, time_zone="America/Argentina/Buenos_Aires", channel="webchat", contact_name="Ana",
                       session_timeout_s=1800, new_session_id="s1")


def asked_for_the_email() -> BotPosition:
    position = BotPosition()
    take_turn(BOT, position, "buenas", context())
    take_turn(BOT, position, "quiero el recibo", context())
    assert position.pending_ask and position.pending_ask["variable"] == "email"
    return position


def test_an_email_inside_a_sentence_is_kept_and_the_intent_goes_on():
    position = asked_for_the_email()
    outcome = take_turn(BOT, position, "mi mail es ana@example.com", context())
    assert position.variables["email"] == "ana@example.com"
    assert position.pending_ask is None
    assert outcome.replies[-1].text == "Listo, enviado a ana@example.com."


def test_two_emails_in_one_answer_ask_again_saying_why_and_naming_no_address():
    position = asked_for_the_email()
    outcome: TurnOutcome = take_turn(BOT, position, "ana@example.com o ana@trabajo.com", context())
    assert [r.text for r in outcome.replies] == [
        f"Encontré más de una respuesta posible en tu mensaje; necesito una sola. {EMAIL_QUESTION}"]
    assert "email" not in position.variables and position.pending_ask is not None
    invalid = next(e for e in outcome.events if e.type == "answer_invalid")
    assert invalid.detail == {"variable": "email", "reason": "ambiguous"}
    assert "@" not in repr(outcome.events)
    take_turn(BOT, position, "la del trabajo: ana@trabajo.com", context())
    assert position.variables["email"] == "ana@trabajo.com"


def test_a_sentence_without_a_value_gets_the_usual_retry_prompt():
    position = asked_for_the_email()
    outcome = take_turn(BOT, position, "no tengo mail", context())
    assert outcome.replies[0].text.startswith("No pude validar tu respuesta.")
