"""Platform intents in the engine (issue 17, point 1): asking for a person, greeting, thanks, goodbye, yes, no and
opting out, without the bot writing them; keywords found inside a message; a bot file pointing each elsewhere
or switching it off. The model is a fake that predicts what a test says (nlu_model's own accuracy is measured
elsewhere); "no model" is the classifier=None of a bot published with triggers only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.bots import platform_intents
from shared.bots.engine import BotPosition, TurnContext, TurnOutcome, take_turn
from shared.bots.loader import load_bot, load_bot_file
from shared.bots.matching import said_inside
from shared.cli.scripts import load_script_file
from shared.kernel.errors import BotDefinitionError

BOTS = Path(__file__).resolve().parent.parent.parent / "bots"
TIENDA = load_bot_file(BOTS / "tienda.yaml")
SERVICOS = load_bot_file(BOTS / "servicos.yaml")
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

# A terse bot of the tests' own: a startup, one intent that mutes, one that asks, buttons with a yes and a no.
BOT_FILE = """\
id: prueba
name: Prueba
language: {language}
startup: inicio
keywords:
  pause_bot: "#pausa"
  resume_bot: "#bot"
  human: [agente]
  human_queue: soporte
{platform}
topics:
  - name: general
    intents:
      - name: inicio
        responses:
          - text: "Hola, soy la prueba."
      - name: silencio
        triggers: [ya me atienden, ya me estan atendiendo]
        responses:
          - text: "Me callo."
          - mute_bot: {{minutes: 20}}
      - name: visita
        triggers: [quiero una visita, agendar una visita]
        responses:
          - buttons:
              text: "¿Agendamos la visita?"
              options:
                - {{title: "Sí, agendar", text: "Agendada."}}
                - {{title: "No, gracias", text: "Otra vez será."}}
      - name: ventas
        triggers: [quiero comprar algo, precios de equipos]
        responses:
          - text: "Te paso con ventas."
          - assign: {{queue: ventas}}
      - name: nos_vemos
        triggers: [nos vemos pronto, hasta la proxima]
        responses:
          - text: "¡Nos vemos!"
"""


def bot(platform: str = "", language: str = "es"):
    return load_bot(BOT_FILE.format(platform=platform, language=language), "prueba.yaml")


@dataclass
class Prediction:
    intent: str | None
    confidence: float = 0.95
    language: str = "es"
    ranking: list = field(default_factory=list)


class FakeModel:
    """Predicts what the test says for each text; anything else is out of scope."""

    def __init__(self, answers: dict[str, str | tuple[str, float]]) -> None:
        self.answers = answers

    def predict(self, text: str) -> Prediction:
        answer = self.answers.get(text)
        if answer is None:
            return Prediction(None, 0.1)
        intent, confidence = answer if isinstance(answer, tuple) else (answer, 0.95)
        return Prediction(intent, confidence)


class Chat:
    def __init__(self, bot_, model: FakeModel | None = None, channel: str = "whatsapp") -> None:
        self.bot = bot_
        self.model = model
        self.channel = channel
        self.position = BotPosition()
        self.turns = 0

    def say(self, text: str) -> TurnOutcome:
        self.turns += 1
        context = TurnContext(now=START, time_zone="UTC", channel=self.channel, contact_name="",
                              session_timeout_s=1800, new_session_id=f"s{self.turns}", classifier=self.model)
        return take_turn(self.bot, self.position, text, context)


def texts(outcome: TurnOutcome) -> list[str]:
    return [r.text for r in outcome.replies]


def handoffs(outcome: TurnOutcome) -> list[dict]:
    return [e.data for e in outcome.effects if e.kind == "handoff"]


def events(outcome: TurnOutcome, kind: str) -> list[dict]:
    return [{"intent": e.intent, **e.detail} for e in outcome.events if e.type == kind]


# -- keywords inside a message ---------------------------------------------------------------------------
def test_a_keyword_phrase_is_found_inside_a_message_as_whole_words_whatever_its_case_and_accents():
    phrases = ("hablar con una persona", "agente")
    assert said_inside("hola, quiero HABLAR con una persóna por favor!", phrases) == "hablar con una persona"
    assert said_inside("¿me pasás con un Agente?", phrases) == "agente"
    assert said_inside("los agentes de viajes", phrases) is None
    assert said_inside("", phrases) is None


def test_keywords_human_inside_a_sentence_hands_off_to_its_queue_even_on_the_first_message():
    chat = Chat(bot())
    outcome = chat.say("hola, me pasás con un agente por favor?")
    assert handoffs(outcome) == [{"queue": "soporte"}]
    assert events(outcome, "human_requested") == [{"intent": "", "by": "keyword"}]
    assert texts(outcome) == ["Te comunico con una persona del equipo."]
    assert texts(chat.say("hola?")) == [] and chat.position.handoff is not None


def test_pause_and_resume_stay_commands_said_as_the_whole_message():
    chat = Chat(bot())
    chat.say("hola")
    assert texts(chat.say("hago una pausa y vuelvo, quiero una visita")) == ["¿Agendamos la visita?"]
    assert not chat.position.paused
    chat.say("#pausa")
    assert chat.position.paused


# -- asking for a person ---------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase", [
    "quiero hablar con una persona", "hola, quiero hablar con una persona por favor", "necesito un asesor",
    "quiero hablar con un humano", "Quiero hablar con alguien por favor", "¿me comunicás con un representante?",
    "I want to talk to a person", "can I speak to a human?", "I need a live agent",
    "quero falar com uma pessoa", "preciso de um atendente", "quero atendimento humano",
])
def test_asking_for_a_person_hands_off_with_no_model_at_all(phrase):
    outcome = Chat(bot(), model=None).say(phrase)
    assert handoffs(outcome) == [{"queue": "soporte"}]
    assert events(outcome, "human_requested")[0]["by"] == "platform"


@pytest.mark.parametrize("phrase", [
    "ya estoy hablando con alguien", "ya me atienden", "necesito que alguien se haga cargo del reclamo",
    "quiero saber el horario de atención al cliente", "tienen soporte para tv", "quero saber o horário de atendimento",
    "compré un regalo para una persona",
])
def test_phrases_that_do_not_ask_for_a_person_open_no_ticket(phrase):
    assert not platform_intents.asks_for_a_person(phrase)


def scripted_requests() -> list[tuple[str, str]]:
    """(bot file, phrase) of every turn of the asking_for_a_person scripts the bot answers with its hand-off."""
    found = []
    for language, bot_file in (("es", "tienda.yaml"), ("pt", "servicos.yaml"), ("en", "en/shop.yaml")):
        script = load_script_file(BOTS / "conversations" / f"asking_for_a_person_{language}.yaml")
        for conversation in script.conversations:
            for turn in conversation.turns:
                if turn.user and turn.bot and turn.bot[-1].text in HANDOFF_TEXTS:
                    found.append((bot_file, turn.user))
    return found


HANDOFF_TEXTS = ("Te comunico con una persona del equipo.", "Vou te passar para uma pessoa da equipe.",
                 "I'm passing you to a person on our team.")


def test_the_scripts_ask_for_a_person_in_at_least_thirty_phrasings_across_the_three_languages():
    requests = scripted_requests()
    assert len({phrase for _, phrase in requests}) >= 30
    assert {bot_file for bot_file, _ in requests} == {"tienda.yaml", "servicos.yaml", "en/shop.yaml"}


def test_every_scripted_way_of_asking_for_a_person_works_with_no_model_too():
    missed = [(bot_file, phrase) for bot_file, phrase in scripted_requests()
              if not handoffs(Chat(load_bot_file(BOTS / bot_file), model=None).say(phrase))]
    assert missed == []


def test_the_models_platform_human_wins_over_a_trigger_of_a_muting_intent():
    message = "ahora ya me atienden o sigo con un robot"  # holds the trigger "ya me atienden"
    assert texts(Chat(bot()).say(message))[-1] == "Me callo."
    chat = Chat(bot(), FakeModel({message: "platform.human"}))
    outcome = chat.say(message)
    assert handoffs(outcome) == [{"queue": "soporte"}] and not chat.position.muted_until
    assert events(outcome, "human_requested")[0]["by"] == "classifier"


def test_the_demo_bots_old_mute_phrase_now_opens_a_ticket_and_the_bot_is_not_muted():
    chat = Chat(TIENDA, model=None)
    outcome = chat.say("Quiero hablar con alguien por favor")
    assert handoffs(outcome) == [{"queue": "ventas"}] and not chat.position.muted_until


def test_a_request_while_the_bot_waits_for_an_answer_hands_off_instead_of_answering():
    chat = Chat(TIENDA, model=None)
    chat.say("donde esta mi pedido")
    assert chat.position.pending_ask
    outcome = chat.say("prefiero hablar con un vendedor")
    assert handoffs(outcome) == [{"queue": "ventas"}] and chat.position.pending_ask is None


def test_human_pointed_to_an_intent_runs_it_and_its_assign_is_the_ticket():
    chat = Chat(bot("platform_intents:\n  human: ventas"))
    outcome = chat.say("quiero hablar con una persona")
    assert texts(outcome) == ["Te paso con ventas.", "Te comunico con una persona del equipo."]
    assert handoffs(outcome) == [{"queue": "ventas"}]


def test_human_pointed_to_an_intent_without_assign_still_opens_a_ticket_never_a_mute():
    chat = Chat(bot("platform_intents:\n  human: silencio"))
    outcome = chat.say("quiero hablar con una persona")
    assert texts(outcome)[0] == "Me callo."
    assert handoffs(outcome) == [{"queue": "soporte"}] and not chat.position.muted_until


def test_human_switched_off_leaves_only_the_bots_own_keywords():
    quiet = bot("platform_intents:\n  human: off")
    assert not handoffs(Chat(quiet).say("quiero hablar con una persona"))
    assert handoffs(Chat(quiet).say("quiero un agente")) == [{"queue": "soporte"}]
    assert not handoffs(Chat(quiet, FakeModel({"hay alguien ahí": "platform.human"})).say("hay alguien ahí"))


# -- greeting, thanks, goodbye -----------------------------------------------------------------------------
def test_a_predicted_greeting_runs_the_startup_flow_and_is_not_repeated_when_the_session_starts():
    model = FakeModel({"buen día!!": "platform.greeting"})
    chat = Chat(bot(), model)
    assert texts(chat.say("buen día!!")) == ["Hola, soy la prueba."]  # the session's start greets, once
    assert texts(chat.say("buen día!!")) == ["Hola, soy la prueba."]


@pytest.mark.parametrize(("language", "name", "reply"), [
    ("es", "thanks", "¡De nada! ¿Te ayudo con algo más?"),
    ("en", "thanks", "You're welcome! Anything else I can help with?"),
    ("pt", "goodbye", "Até logo! Obrigado por escrever."),
])
def test_thanks_and_goodbye_get_a_short_built_in_reply_in_the_bots_language(language, name, reply):
    chat = Chat(bot(language=language), FakeModel({"mensaje": f"platform.{name}"}))
    chat.say("hola")
    outcome = chat.say("mensaje")
    assert texts(outcome) == [reply]
    assert events(outcome, "intent_matched") == [{"intent": f"platform.{name}", "confidence": 0.95,
                                                  "how": "classifier"}]


def test_a_bot_file_points_a_platform_intent_to_its_own_intent_or_to_actions():
    chat = Chat(bot('platform_intents:\n  goodbye: nos_vemos\n  thanks: {text: "¡Un placer!"}'),
                FakeModel({"chau": "platform.goodbye", "gracias": "platform.thanks"}))
    chat.say("hola")
    assert texts(chat.say("gracias")) == ["¡Un placer!"]
    assert texts(chat.say("chau")) == ["¡Nos vemos!"]


def test_the_demo_bot_answers_thanks_with_its_own_intent():
    chat = Chat(TIENDA, FakeModel({"gracias!": "platform.thanks"}))
    chat.say("hola")
    assert texts(chat.say("gracias!")) == ["¡De nada! Acá estoy si necesitás algo más. 😊"]


def test_a_platform_intent_switched_off_is_never_run():
    chat = Chat(bot("platform_intents:\n  thanks: off"), FakeModel({"gracias": "platform.thanks"}))
    chat.say("hola")
    outcome = chat.say("gracias")
    assert not events(outcome, "intent_matched") and "¡De nada!" not in " ".join(texts(outcome))


# -- yes and no --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("answer", "reply"), [("sí, dale", "Agendada."), ("no, mejor otro día", "Otra vez será."),
                                               ("de una", "Agendada.")])
def test_yes_or_no_answers_the_yes_no_question_on_screen(answer, reply):
    chat = Chat(bot(), FakeModel({"de una": "platform.yes"}))
    chat.say("hola")
    assert texts(chat.say("quiero una visita")) == ["¿Agendamos la visita?"]
    assert texts(chat.say(answer)) == [reply]


def test_a_yes_with_no_question_on_screen_is_not_an_answer_to_anything():
    chat = Chat(bot(), FakeModel({"de una": "platform.yes"}))
    chat.say("hola")
    outcome = chat.say("de una")
    assert not events(outcome, "intent_matched") and "Agendada." not in texts(outcome)


def test_the_demo_yes_no_buttons_of_servicos_take_a_yes_in_a_sentence():
    chat = Chat(SERVICOS, model=None)
    chat.position.menu_stack = [{"header": "", "menu": "", "numbered_emojis": False, "options": [
        {"title": "Sim, agendar", "go_to": "agendar_visita"}, {"title": "Não, obrigado", "text": "Combinado!"}]}]
    chat.position.session_id, chat.position.last_activity_at = "s0", START.isoformat()
    assert texts(chat.say("não precisa, obrigado")) == ["Combinado!"]


# -- opting out ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("message", ["STOP", "Baja", "baja.", "descadastrar", "unsubscribe"])
def test_opting_out_is_confirmed_in_the_bots_language_and_reported_for_the_channel(message):
    chat = Chat(bot(), model=None, channel="whatsapp")
    chat.say("hola")
    outcome = chat.say(message)
    assert texts(outcome) == [platform_intents.REPLIES["opt_out"]["es"]]
    assert events(outcome, "opted_out") == [{"intent": "platform.opt_out", "channel": "whatsapp"}]


def test_opt_out_inside_a_sentence_needs_the_model_and_the_model_must_be_sure():
    message = "no me manden más promociones por favor"
    assert not events(Chat(bot()).say(message), "opted_out")
    assert not events(Chat(bot(), FakeModel({message: ("platform.opt_out", 0.7)})).say(message), "opted_out")
    assert events(Chat(bot(), FakeModel({message: ("platform.opt_out", 0.97)})).say(message), "opted_out")


def test_the_word_baja_inside_a_sentence_is_not_an_opt_out():
    assert not events(Chat(bot()).say("la heladera baja mucho la temperatura?"), "opted_out")


def test_opt_out_pointed_to_actions_still_records_and_switched_off_does_not():
    custom = Chat(bot('platform_intents:\n  stop: {text: "Listo, te damos de baja."}'))
    outcome = custom.say("baja")
    assert texts(outcome) == ["Listo, te damos de baja."] and events(outcome, "opted_out")
    assert not events(Chat(bot("platform_intents:\n  opt_out: off")).say("baja"), "opted_out")


# -- the bot file --------------------------------------------------------------------------------------------
def test_the_file_names_what_its_model_trains_all_kept_platform_intents():
    assert bot().kept_platform_intents() == tuple(f"platform.{n}" for n in platform_intents.NAMES)
    assert "platform.opt_out" not in bot("platform_intents:\n  stop: off").kept_platform_intents()
    assert "platform.thanks" in bot("platform_intents:\n  thanks: nos_vemos").kept_platform_intents()


def test_the_yaml_keys_yes_and_no_are_platform_intents_not_booleans():
    settings = bot("platform_intents:\n  yes: nos_vemos\n  no: off").platform_intents
    assert settings["yes"].action == {"go_to": "nos_vemos"} and not settings["no"].enabled


def test_a_wrong_platform_intents_section_is_reported_line_by_line():
    with pytest.raises(BotDefinitionError) as error:
        bot("platform_intents:\n  human: {assign: {bot: otro}}\n  greeting: nadie\n  hola: off\n"
            "  thanks: 3\n  stop: off\n  opt_out: on")
    assert str(error.value).splitlines() == [
        "prueba.yaml:11 platform_intents.human.assign.bot: asking for a person must reach people: assign a queue "
        "or an agent, not a bot",
        "prueba.yaml:12 platform_intents.greeting: 'nadie' is neither an intent nor a menu of this bot",
        "prueba.yaml:13 platform_intents.hola: unknown key; expected one of goodbye, greeting, human, no, opt_out, "
        "stop, thanks, yes",
        "prueba.yaml:14 platform_intents.thanks: expected off, on, an intent or menu name, or a mapping of actions, "
        "got a number",
        "prueba.yaml:16 platform_intents.opt_out: opt_out is set twice (stop is another name for opt_out)",
    ]


def test_the_engine_and_the_model_name_the_platform_intents_alike():
    from nlu_model.platform_intents import PLATFORM_INTENTS  # the labelled set the models train on

    assert tuple(platform_intents.label(name) for name in platform_intents.NAMES) == PLATFORM_INTENTS
