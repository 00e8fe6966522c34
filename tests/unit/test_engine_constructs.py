"""Every construct of the bot format, run by the engine (tests/fixtures/constructs.yaml)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.bots.engine import BotPosition, TurnContext, handle_timer, take_turn
from shared.bots.loader import load_bot_file
from shared.ports.webhook_caller import WebhookFailed, WebhookRequest, WebhookResponse

FIXTURES = Path(__file__).parent.parent / "fixtures"
BOT = load_bot_file(FIXTURES / "constructs.yaml")
OTHER = load_bot_file(FIXTURES / "otro.yaml")
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class FakeWebhookCaller:
    def __init__(self, answers: dict[str, WebhookResponse | WebhookFailed]) -> None:
        self.answers = answers
        self.calls: list[WebhookRequest] = []

    def call(self, request: WebhookRequest) -> WebhookResponse:
        self.calls.append(request)
        answer = self.answers.get(request.url, WebhookFailed(f"unexpected {request.url}"))
        if isinstance(answer, WebhookFailed):
            raise answer
        return answer


class Chat:
    """A customer talking to the engine, with a clock that moves only when told."""

    def __init__(self, webhooks: FakeWebhookCaller | None = None, expertise: bool = False) -> None:
        self.position = BotPosition()
        self.now = START
        self.webhooks = webhooks
        self.expertise = expertise
        self.sessions = 0
        self.bot = BOT

    def context(self) -> TurnContext:
        self.sessions += 1
        return TurnContext(now=self.now, time_zone="America/Argentina/Buenos_Aires", channel="webchat",
                           contact_name="Ana", session_timeout_s=1800, new_session_id=f"s{self.sessions}",
                           webhooks=self.webhooks, other_bots={"otro": OTHER}.get,
                           expertise_bots=(OTHER,) if self.expertise else (),
                           workspace_constants={"tienda": "Tienda Luna"} if self.expertise else {})

    def say(self, text: str):
        outcome = take_turn(self.bot, self.position, text, self.context())
        if outcome.bot_id != self.bot.id:
            self.bot = OTHER
        self.outcome = outcome
        return outcome

    def texts(self, text: str) -> list[str]:
        return [r.text for r in self.say(text).replies]

    def events(self) -> list[str]:
        return [e.type for e in self.outcome.events]

    def wait(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def chat() -> Chat:
    c = Chat()
    c.say("buenas")
    return c


def test_the_startup_intent_greets_with_templates_of_predefined_variables_and_constants():
    chat = Chat()
    outcome = chat.say("buenas")
    assert outcome.replies[0].text == "Hola Ana, bienvenido a Tienda Sol."


def test_workspace_constants_override_the_bots_own():
    chat = Chat(expertise=True)
    assert chat.texts("buenas")[0] == "Hola Ana, bienvenido a Tienda Luna."


def test_an_intent_whose_when_is_false_is_not_matched_and_element_conditions_skip_elements(chat):
    assert chat.texts("esta abierto hoy") == ["Sí, abrimos."]
    chat.position.variables["promo"] = "2x1"
    assert chat.texts("esta abierto hoy") == ["Sí, abrimos.", "Hoy hay promo."]
    closed = Chat()
    closed.bot = replace(BOT, constants={**BOT.constants, "abierto": False})
    closed.say("buenas")
    assert "Sí, abrimos." not in closed.texts("esta abierto hoy")


def test_go_to_jumps_and_ends_the_sequence(chat):
    assert chat.texts("quiero saltar ahora") == ["Llegaste al final."]


def test_ask_stores_a_typed_answer_and_continues_the_intent(chat):
    assert chat.texts("quiero comprar algo") == ["¿Cuántas unidades?"]
    assert chat.texts("tres") == ["Anoté 3 unidades (compra en Tienda Sol)."]
    assert chat.position.variables["cantidad"] == 3
    assert {"compra", "cliente 3"} <= set(chat.position.tags)
    assert "question_answered" in chat.events() and "tag_added" in chat.events()


def test_ask_retries_with_its_retry_text_then_runs_on_fail(chat):
    chat.say("quiero comprar algo")
    assert chat.texts("muchas") == ["Decime un número, por favor."]
    outcome = chat.say("no sé")
    assert [r.text for r in outcome.replies] == ["Lo dejamos acá.", "Te comunico con una persona del equipo."]
    assert [e.kind for e in outcome.effects] == ["handoff"] and outcome.effects[0].data == {"queue": "ventas"}
    assert chat.position.handoff["queue"] == "ventas"


def test_an_entity_answer_matches_synonyms_and_accents(chat):
    chat.say("en que provincia estan")
    assert chat.texts("caba") == ["Enviamos a Buenos Aires."]
    chat.say("en que provincia estan")
    assert chat.texts("cordoba") == ["Enviamos a Córdoba."]
    chat.say("en que provincia estan")
    assert chat.texts("Mendoza") == ["Llegaste al final."]  # no retries left: on_fail go_to


def test_send_email_is_an_effect_with_rendered_fields(chat):
    chat.say("mandame el recibo")
    outcome = chat.say("ana@example.com")
    assert outcome.replies[-1].text == "Listo, enviado a ana@example.com."
    email = next(e for e in outcome.effects if e.kind == "email")
    assert email.data["to"] == "ana@example.com" and email.data["subject"] == "Tu recibo de Tienda Sol"


def test_webhook_saves_values_by_path_and_quotes_customer_values_in_the_url():
    caller = FakeWebhookCaller({
        "https://api.example.com/orders/123456?q=": WebhookResponse(200, {"status": "en camino",
                                                                         "items": [{"name": "remera"}]}),
    })
    chat = Chat(webhooks=caller)
    chat.say("buenas")
    chat.say("estado de mi pedido")
    assert chat.texts("123456") == ["Tu pedido está en camino (remera)."]
    assert caller.calls[0].method == "GET" and caller.calls[0].timeout_s == 2.0


def test_a_failing_webhook_runs_on_error_and_stops_the_sequence():
    chat = Chat(webhooks=FakeWebhookCaller({}))
    chat.say("buenas")
    chat.say("estado de mi pedido")
    assert chat.texts("654321") == ["No pude consultarlo."]
    assert "webhook_failed" in chat.events()


def test_carousel_media_location_and_waits_are_rich_replies_with_pauses(chat):
    carousel = chat.say("ver el catalogo").replies[0]
    assert carousel.kind == "carousel" and carousel.payload["cards"][0]["title"] == "Remera"
    assert carousel.options == ("Comprar remera", "Ver buzo")
    assert chat.texts("Ver buzo") == ["Buzo de algodón."]
    media, location = chat.say("mandame una foto").replies
    assert media.payload == {"kind": "image", "url": "https://img.example/Tienda Sol.jpg",
                             "caption": "Foto de Tienda Sol", "filename": ""}
    assert location.kind == "location" and location.payload["name"] == "Tienda Sol"
    assert media.delay_ms == 0 and location.delay_ms == 2000 + 500  # wait + reply_delay_ms


def test_buttons_hide_options_whose_condition_is_false_and_are_chosen_by_title_or_number(chat):
    buttons = chat.say("dame opciones ahora").replies[0]
    assert buttons.kind == "buttons" and buttons.options == ("Rojo", "Azul")
    assert chat.texts("2") == ["Llegaste al final."]


def test_mute_bot_silences_the_bot_until_the_minutes_pass(chat):
    assert chat.texts("no me hables mas") == ["Me callo 10 minutos."]
    assert chat.texts("hola?") == [] and chat.events() == ["message_while_bot_muted"]
    chat.wait(11)
    assert chat.texts("esta abierto hoy") == ["Sí, abrimos."]


def test_close_ends_the_session_and_the_next_message_starts_another(chat):
    assert chat.texts("chau nos vemos") == ["¡Chau!"]
    chat.say("esta abierto hoy")
    assert chat.events()[:2] == ["session_ended", "session_started"]


def test_keywords_pause_and_resume_the_bot_and_ask_for_a_human(chat):
    assert chat.texts("#pausa") == []
    assert chat.texts("esta abierto hoy") == []
    assert chat.texts("#BOT") == [] and chat.events() == ["bot_resumed"]
    assert chat.texts("esta abierto hoy") == ["Sí, abrimos."]
    outcome = chat.say("Hablar con una persona")
    assert outcome.effects[0].data == {"queue": "soporte"} and "human_requested" in chat.events()
    assert chat.texts("hola?") == []


def test_assigning_to_another_bot_hands_over_keeping_the_variables(chat):
    chat.position.variables["origen"] = "web"
    outcome = chat.say("quiero el otro bot")
    assert [r.text for r in outcome.replies] == ["Te paso con otro bot.", "Soy el otro bot, Ana. Tu origen: web."]
    assert outcome.bot_id == "otro" and chat.position.bot_id == "otro"
    assert chat.texts("comida para perro") == ["Tenemos comida para perros."]


def test_the_flow_manager_routes_by_expertise_when_this_bot_does_not_understand():
    chat = Chat(expertise=True)
    chat.say("buenas")
    outcome = chat.say("alimento para perros")
    assert outcome.bot_id == "otro" and outcome.replies[-1].text == "Tenemos comida para perros."
    assert "bot_handover" in chat.events()


def test_the_menu_numbers_with_emojis_nests_three_levels_and_goes_back(chat):
    menu = chat.say("mostrar el menu").replies[0]
    assert menu.text == "Menú:\n1️⃣ Nivel 2\n2️⃣ Humano\n3️⃣ Terminar"
    assert chat.texts("1️⃣")[0].startswith("Nivel 2:")
    assert chat.texts("Nivel 3")[0].startswith("Nivel 3:")
    assert chat.texts("1") == ["Hoja del árbol."]
    chat.say("mostrar el menu")
    chat.say("1")
    chat.say("1")
    assert chat.texts("Volver")[0].startswith("Nivel 2:")
    assert chat.texts("2")[0].startswith("Menú:")


def test_showing_a_menu_schedules_its_reminder_and_resolution(chat):
    outcome = chat.say("mostrar el menu")
    scheduled = {e.data["action"]: e.data["after_s"] for e in outcome.effects if e.kind == "schedule"}
    assert scheduled == {"menu_reminder": 300, "menu_resolve": 900}
    token = chat.position.menu_token
    reminder = handle_timer(BOT, chat.position, "menu_reminder", token, chat.context())
    assert [r.text for r in reminder.replies] == ["¿Seguís ahí?"]
    resolved = handle_timer(BOT, chat.position, "menu_resolve", token, chat.context())
    assert [r.text for r in resolved.replies] == ["Cerramos el chat por inactividad."]
    assert chat.position.closed and "session_closed" in [e.type for e in resolved.events]


def test_a_timer_of_a_menu_no_longer_on_screen_does_nothing(chat):
    chat.say("mostrar el menu")
    token = chat.position.menu_token
    outcome = chat.say("3")  # Terminar
    assert any(e.kind == "cancel" and e.data["token"] == token for e in outcome.effects)
    late = handle_timer(BOT, chat.position, "menu_reminder", token, chat.context())
    assert late.replies == [] and late.events[0].type == "timer_obsolete"


def test_failed_menu_attempts_say_the_invalid_text_then_run_the_chosen_option(chat):
    chat.say("mostrar el menu")
    first = chat.texts("zzz")
    assert first[0] == "Esa opción no existe." and first[1].startswith("Menú:")
    assert chat.texts("zzz") == ["Te atiende Ana."]
    assert chat.position.handoff["agent"] == "ana@example.com"
    assert "menu_attempts_exhausted" in chat.events()


def test_not_understood_first_tries_an_intent_of_the_current_topic(chat):
    chat.say("quiero el recibo")
    chat.say("ana@example.com")
    outcome = chat.say("y el pedido?")  # the compras topic holds "estado de mi pedido"
    assert chat.events()[:2] == ["not_understood", "not_understood_related_topic"]
    assert outcome.replies[0].text == "¿Número de pedido?"


def test_not_understood_then_offers_the_nearest_intents_as_buttons(chat):
    outcome = chat.say("productos")
    assert chat.events() == ["not_understood", "not_understood_suggestions"]
    assert outcome.replies[0].kind == "buttons" and outcome.replies[0].options == ("Ver el catalogo",)
    assert chat.texts("Ver el catalogo")[0] == ""  # a carousel has cards, not text
    assert chat.outcome.replies[0].kind == "carousel"


def test_not_understood_finally_runs_the_not_understood_intent(chat):
    assert chat.texts("xyzzy plugh") == ["No entendí."]
    assert chat.events() == ["not_understood", "not_understood_fallback"]
