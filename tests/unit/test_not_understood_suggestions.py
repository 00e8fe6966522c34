"""The not-understood chain's "¿Quisiste decir…?" buttons (issue 17, point 4): ranked by the model's scores when
the bot has a classifier (trigger words only without one), and never offering what the customer just refused —
said no to, or ignored (shared/bots/suggestions.py; docs/bot-format.md, "When nothing matched")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nlu_model.runtime import Prediction
from shared.bots.engine import BotPosition, IntentClassifier, TurnContext, TurnOutcome, take_turn
from shared.bots.loader import load_bot_file
from shared.bots.matching import rank_intents
from shared.bots.suggestions import MODEL_SUGGEST_MIN, refuses_suggestions

BOT = load_bot_file(Path(__file__).parent.parent / "fixtures" / "suggestions.yaml")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOT_UNDERSTOOD = "No entendí; escribí 'menú' para ver las opciones."
TITLES = {"horario": "A que hora abren", "envios": "Envios a domicilio", "seguimiento": "Donde esta mi pedido",
          "medios_pago": "Medios de pago", "cuotas": "Pagar en cuotas"}


class ScoredClassifier:
    """A fake of the IntentClassifier port: out of scope for every message, with the ranking it is given
    (per message, else the default), as the bot's model gives it when nothing is close enough to match."""

    def __init__(self, ranking: list[tuple[str, float]], per_message: Mapping[str, list[tuple[str, float]]] = {}):
        self.ranking = ranking
        self.per_message = per_message

    def predict(self, text: str) -> Prediction:
        return Prediction(None, 0.1, "es", self.per_message.get(text, self.ranking))


class Chat:
    def __init__(self, classifier: IntentClassifier | None) -> None:
        self.classifier = classifier
        self.position = BotPosition()
        self.say("hola")  # the session's start

    def say(self, text: str) -> TurnOutcome:
        context = TurnContext(now=NOW, time_zone="America/Argentina/Buenos_Aires", channel="webchat",
                              contact_name="Ana", session_timeout_s=1800, new_session_id="s1",
                              classifier=self.classifier)
        self.outcome = take_turn(BOT, self.position, text, context)
        return self.outcome

    def buttons(self, text: str) -> tuple[str, ...]:
        """The suggestion buttons the message gets; () when it gets none."""
        replies = self.say(text).replies
        return replies[0].options if replies and replies[0].kind == "buttons" else ()

    def event(self, type_: str) -> dict:
        return next(e.detail for e in self.outcome.events if e.type == type_)

    def events(self) -> list[str]:
        return [e.type for e in self.outcome.events]


# --- ranked by the model ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot_model(tmp_path_factory: pytest.TempPathFactory):
    from nlu_model import train_bot_model
    from nlu_model.runtime import load_model

    examples = [(trigger, intent.name) for intent in BOT.triggered_intents() for trigger in intent.triggers]
    return load_model(train_bot_model(examples, "es", tmp_path_factory.mktemp("suggestions") / "model"))


def test_with_the_bots_model_the_buttons_are_the_models_nearest_intents_best_first(bot_model):
    message = "algo sobre la plata"  # no trigger word in it, and too far from every intent to match
    prediction = bot_model.predict(message)
    assert prediction.intent is None and rank_intents(BOT, message) == []
    nearest = [name for name, score in prediction.ranking if score >= MODEL_SUGGEST_MIN and name in TITLES][:3]
    assert nearest, f"the model ranks nothing close: {prediction.ranking}"
    chat = Chat(bot_model)
    assert chat.buttons(message) == tuple(TITLES[name] for name in nearest)
    assert chat.event("not_understood_suggestions") == {"suggestions": nearest, "ranked_by": "model"}
    assert Chat(None).buttons(message) == ()  # trigger words alone find nothing near


def test_the_models_scores_win_over_the_trigger_words_the_message_shares():
    message = "costo de la cosa"  # shares "costo" with the trigger "costo de envio"
    assert rank_intents(BOT, message)[0] == ("envios", 0.5)
    chat = Chat(ScoredClassifier([("horario", 0.45), ("cuotas", 0.3), ("envios", 0.05)]))
    assert chat.buttons(message) == ("A que hora abren", "Pagar en cuotas")
    assert chat.event("not_understood_suggestions")["ranked_by"] == "model"


def test_without_a_classifier_the_trigger_words_rank_them():
    chat = Chat(None)
    assert chat.buttons("costo de la cosa") == ("Envios a domicilio",)
    assert chat.event("not_understood_suggestions") == {"suggestions": ["envios"], "ranked_by": "triggers"}


def test_when_the_model_offers_none_of_the_intents_on_hand_their_trigger_words_rank_them():
    # The model is sure of something the bot cannot offer now (a platform intent here; an intent whose
    # `when` is false in the demo's "quando vem o técnico?"), so its scores say nothing of the others.
    chat = Chat(ScoredClassifier([("platform.human", 0.97), ("horario", 0.01), ("envios", 0.01)]))
    assert chat.buttons("costo de la cosa") == ("Envios a domicilio",)
    assert chat.event("not_understood_suggestions") == {"suggestions": ["envios"], "ranked_by": "triggers"}


def test_intents_below_the_bar_without_triggers_or_of_the_platform_are_never_offered():
    chat = Chat(ScoredClassifier([("platform.human", 0.5), ("bienvenida", 0.3), ("cuotas", MODEL_SUGGEST_MIN - 0.01)]))
    assert chat.buttons("algo raro") == ()
    assert chat.events() == ["not_understood", "not_understood_fallback"]
    assert chat.outcome.replies[0].text == NOT_UNDERSTOOD


def test_at_most_three_buttons():
    chat = Chat(ScoredClassifier([("horario", 0.25), ("cuotas", 0.24), ("envios", 0.23), ("medios_pago", 0.22)]))
    assert chat.buttons("algo raro") == ("A que hora abren", "Pagar en cuotas", "Envios a domicilio")


# --- never what the customer just refused ------------------------------------------------------------------

FOUR_NEAR = [("horario", 0.3), ("cuotas", 0.25), ("envios", 0.22), ("medios_pago", 0.21)]


@pytest.mark.parametrize("refusal", ["no", "No, gracias", "ninguna", "ninguna de esas", "nada de eso",
                                     "none of them", "no thanks", "neither", "não", "nenhuma", "nenhuma delas"])
def test_saying_no_to_the_buttons_goes_straight_to_the_not_understood_intent(refusal):
    chat = Chat(ScoredClassifier(FOUR_NEAR))
    assert chat.buttons("algo raro") == ("A que hora abren", "Pagar en cuotas", "Envios a domicilio")
    assert chat.buttons(refusal) == ()
    assert [r.text for r in chat.outcome.replies] == [NOT_UNDERSTOOD]
    assert chat.event("suggestions_refused") == {"suggestions": ["horario", "cuotas", "envios"], "how": "said_no"}
    assert "intent_matched" not in chat.events()  # "no" is never taken for an intent while the buttons show


def test_a_message_that_ignores_the_buttons_gets_only_intents_not_offered_yet():
    chat = Chat(ScoredClassifier(FOUR_NEAR))
    assert chat.buttons("algo raro") == ("A que hora abren", "Pagar en cuotas", "Envios a domicilio")
    assert chat.buttons("otra cosa rara") == ("Medios de pago",)
    assert chat.event("suggestions_refused") == {"suggestions": ["horario", "cuotas", "envios"], "how": "ignored"}
    assert chat.buttons("y otra más") == ()  # all four refused: the chain's last step
    assert chat.outcome.replies[0].text == NOT_UNDERSTOOD


def test_refusals_are_forgotten_once_a_message_is_understood():
    chat = Chat(ScoredClassifier(FOUR_NEAR))
    chat.buttons("algo raro")
    chat.buttons("no")
    assert chat.say("pagar en cuotas").replies[0].text == "Hasta 6 cuotas sin interés."
    assert chat.buttons("algo raro") == ("A que hora abren", "Pagar en cuotas", "Envios a domicilio")


def test_choosing_a_button_still_works_and_a_no_followed_by_a_request_is_a_request():
    chat = Chat(ScoredClassifier(FOUR_NEAR))
    chat.buttons("algo raro")
    assert chat.say("Pagar en cuotas").replies[0].text == "Hasta 6 cuotas sin interés."
    chat.buttons("algo raro")
    assert chat.say("no, quiero saber a que hora abren").replies[0].text == "Abrimos de 9 a 18."


def test_the_current_topics_intent_is_not_run_when_the_customer_refused_it():
    chat = Chat(ScoredClassifier([("horario", 0.3), ("medios_pago", 0.25)],
                                 per_message={"y eso?": [("medios_pago", 0.6), ("seguimiento", 0.3)]}))
    chat.say("pagar en cuotas")  # the customer is in the pagos topic now
    assert chat.buttons("algo raro") == ("A que hora abren", "Medios de pago")
    # Alone, "y eso?" would run medios_pago as the topic's nearest intent; the customer just passed on it.
    assert chat.buttons("y eso?") == ("Donde esta mi pedido",)
    assert "not_understood_related_topic" not in chat.events()


def test_the_current_topics_intent_runs_when_the_model_ranks_it_first_with_a_quarter_of_the_mass():
    chat = Chat(ScoredClassifier([("medios_pago", 0.26), ("seguimiento", 0.25)]))
    chat.say("pagar en cuotas")
    assert chat.say("y eso?").replies[0].text == "Tarjeta, transferencia o efectivo."
    assert chat.event("not_understood_related_topic") == {"topic": "pagos", "ranked_by": "model"}


@pytest.mark.parametrize("ranking", [[("seguimiento", 0.4), ("medios_pago", 0.35)], [("medios_pago", 0.24)]])
def test_the_current_topics_intent_is_only_offered_when_another_leads_or_it_is_below_a_quarter(ranking):
    chat = Chat(ScoredClassifier(ranking))
    chat.say("pagar en cuotas")
    assert "Medios de pago" in chat.buttons("y eso?")
    assert "not_understood_related_topic" not in chat.events()


# --- what a refusal is ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["no", "NO!", "nop", "ninguno", "Ninguna de las dos, gracias", "tampoco",
                                  "otra cosa", "none", "Nope, thanks", "not that", "neither of them please",
                                  "Não, obrigado", "nenhum", "nada disso", "outra coisa"])
def test_a_refusal_is_the_whole_message_courtesy_aside(text):
    assert refuses_suggestions(text) is True


@pytest.mark.parametrize("text", ["no, quiero saber el envío", "no me llegó el pedido", "ninguna tarjeta sirve",
                                  "gracias", "sí", "nada"])
def test_a_message_that_says_more_than_no_is_not_a_refusal(text):
    assert refuses_suggestions(text) is False
