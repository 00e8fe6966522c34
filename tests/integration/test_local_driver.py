"""The local driver runs the real pipeline in-process on embedded backends, with time under its control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.bots.loader import load_bot_file
from shared.cli.local_driver import LocalConversations, PipelineError
from shared.cli.scripts import StubWebhookCaller, WebhookStub
from shared.kernel.errors import BotDefinitionError, InvalidInput
from shared.ports.webhook_caller import WebhookFailed, WebhookRequest

REPO = Path(__file__).resolve().parent.parent.parent
TIENDA = REPO / "bots" / "tienda.yaml"
DEMO = load_bot_file(TIENDA)
NOON_IN_BUENOS_AIRES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
VISITOR = "visitor-0001"

ORDERS_BOT = """
id: pedidos
name: Pedidos
language: es
reply_delay_ms: 800
variables:
  - {name: pedido, type: "regex:^[0-9]{6}$"}
startup: bienvenida
topics:
  - name: general
    intents:
      - name: bienvenida
        responses:
          - text: "Hola ${contact.name}!"
          - menu: menu
      - name: estado_pedido
        triggers: [donde esta mi pedido, estado de mi pedido]
        responses:
          - ask:
              variable: pedido
              text: "¿Cuál es tu número de pedido? (6 dígitos)"
              retries: 1
              on_fail: {text: "No pude validar el número."}
          - webhook:
              url: "https://api.example.com/orders/${pedido}"
              save: {estado: "$.status", fecha: "$.eta"}
              on_error: {text: "No pude consultar tu pedido ahora."}
          - text: "Tu pedido ${pedido} está ${estado}; llega el ${fecha}."
      - name: sucursal
        triggers: [donde estan ubicados, direccion de la tienda]
        responses:
          - location: {latitude: -34.6, longitude: -58.38, name: Tienda Sol, address: "Av. Corrientes 1234"}
          - wait: 5
          - media: {kind: image, url: "https://cdn.example.com/frente.jpg", caption: Nuestro local}
      - name: contacto
        triggers: [mandame un mail, quiero un correo]
        responses:
          - send_email: {to: "ventas@example.com", subject: "Consulta de ${contact.name}", body: "Escribir."}
          - text: "Listo, avisé a ventas."
menus:
  - name: menu
    header: "Elegí una opción:"
    reminder: {after_minutes: 5, text: "¿Seguís ahí?"}
    resolve_after_minutes: 15
    farewell: "Cerramos la conversación por inactividad."
    options:
      - {title: Mi pedido, go_to: estado_pedido}
      - {title: Hablar con alguien, assign: {queue: ventas, message: "Te paso con ventas."}}
      - {title: Terminar, close: {message: "¡Gracias!"}}
"""


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies]


@pytest.fixture
def tienda(tmp_path):
    with LocalConversations(tmp_path / "data", start=NOON_IN_BUENOS_AIRES) as driver:
        driver.publish(TIENDA, time_zone="America/Argentina/Buenos_Aires")
        yield driver


def orders_driver(tmp_path: Path, stubs: list[WebhookStub] | None = None) -> LocalConversations:
    driver = LocalConversations(tmp_path / "data", start=NOON_IN_BUENOS_AIRES,
                                webhooks=StubWebhookCaller(stubs or []))
    driver.publish_bot(ORDERS_BOT, "pedidos.yaml")
    return driver


# The demo bot grows with the demo: its expectations are read from its own definition.
def test_the_demo_bot_greets_the_visitor_by_name_in_the_workspace_time_zone_and_shows_its_menu(tienda):
    replies = tienda.say(VISITOR, "hola", name="Ana")
    assert texts(replies)[0].startswith("¡Buenas tardes Ana! Soy Sol")
    startup_menu = DEMO.menus["menu"]
    assert replies[1]["kind"] == "menu"
    assert replies[1]["options"] == [o["title"] for o in startup_menu.options]


def test_choosing_a_menu_option_by_number_opens_its_submenu_and_then_answers(tienda):
    options = DEMO.menus["menu"].options
    number, with_submenu = next((i, o) for i, o in enumerate(options, 1) if "submenu" in o)
    tienda.say(VISITOR, "hola")
    submenu = tienda.say(VISITOR, str(number))
    sub_options = with_submenu["submenu"]["options"]
    assert [(r["kind"], r["options"]) for r in submenu] == [("menu", [o["title"] for o in sub_options])]
    answer_number, answering = next((i, o) for i, o in enumerate(sub_options, 1) if "text" in o)
    assert texts(tienda.say(VISITOR, str(answer_number))) == [answering["text"]]


def test_each_visitor_gets_only_their_own_replies(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola", name="Ana")
        other = driver.say("visitor-0002", "hola", name="Bruno")
        assert texts(other)[0] == "Hola Bruno!"
        reminders = {visitor: texts(replies) for visitor, replies in driver.advance(6).items()}
        assert reminders == {VISITOR: ["¿Seguís ahí?"], "visitor-0002": ["¿Seguís ahí?"]}
        assert texts(driver.say(VISITOR, "2")) == ["Te paso con ventas."]
        assert texts(driver.advance(10)["visitor-0002"]) == ["Cerramos la conversación por inactividad."]


def test_a_hand_off_leaves_the_conversation_with_people_and_the_bot_quiet(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola")
        assert texts(driver.say(VISITOR, "2")) == ["Te paso con ventas."]
        assert driver.conversation(VISITOR)["status"] == "with_agent"
        assert driver.say(VISITOR, "hola?") == []


def test_the_history_of_the_conversation_reaches_the_warehouse(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola", name="Ana")
        rows = driver.platform.warehouse.read_rows("messages")
    assert sorted((r["direction"], r["text"]) for r in rows) == [
        ("inbound", "hola"), ("outbound", "Elegí una opción:\n1. Mi pedido\n2. Hablar con alguien\n3. Terminar"),
        ("outbound", "Hola Ana!")]


def test_a_menu_reminder_arrives_only_once_its_minutes_have_passed(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola", name="Ana")
        assert driver.advance(4) == {}
        assert {v: texts(r) for v, r in driver.advance(2).items()} == {VISITOR: ["¿Seguís ahí?"]}
        assert driver.advance(3) == {}


def test_a_menu_nobody_answers_closes_the_conversation_with_its_farewell(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola")
        replies = driver.advance(20)[VISITOR]
        assert texts(replies) == ["¿Seguís ahí?", "Cerramos la conversación por inactividad."]
        assert driver.conversation(VISITOR)["status"] == "closed"


def test_choosing_an_option_cancels_the_menu_timers(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola")
        assert texts(driver.say(VISITOR, "3")) == ["¡Gracias!"]
        assert driver.advance(30) == {}


def test_the_pauses_between_replies_pass_on_the_clock_and_keep_the_replies_in_order(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola")
        before = driver.clock.now()
        replies = driver.say(VISITOR, "donde estan ubicados")
        assert [r["kind"] for r in replies] == ["location", "media"]
        # reply_delay_ms (0.8 s) plus the wait (5 s) before the image.
        assert driver.clock.now() - before == timedelta(seconds=5.8)
        assert replies[0]["visible_at"] < replies[1]["visible_at"]
        assert replies[1]["payload"]["url"] == "https://cdn.example.com/frente.jpg"


def test_a_question_repeats_after_an_invalid_answer_and_runs_on_fail_when_retries_run_out(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola")
        assert texts(driver.say(VISITOR, "1")) == ["¿Cuál es tu número de pedido? (6 dígitos)"]
        retry = texts(driver.say(VISITOR, "no sé"))
        assert len(retry) == 1 and retry[0].endswith("¿Cuál es tu número de pedido? (6 dígitos)")
        assert texts(driver.say(VISITOR, "12")) == ["No pude validar el número."]


def test_a_valid_answer_feeds_the_stubbed_webhook_and_its_saved_variables(tmp_path):
    stubs = [WebhookStub.of("GET https://api.example.com/orders/*", body={"status": "en camino", "eta": "2026-03-05"})]
    caller = StubWebhookCaller(stubs)
    with LocalConversations(tmp_path / "data", start=NOON_IN_BUENOS_AIRES, webhooks=caller) as driver:
        driver.publish_bot(ORDERS_BOT, "pedidos.yaml")
        driver.say(VISITOR, "donde esta mi pedido")
        assert texts(driver.say(VISITOR, "123456")) == ["Tu pedido 123456 está en camino; llega el 5 de marzo de 2026."]
    assert {c.url for c in caller.calls} == {"https://api.example.com/orders/123456"}


def test_a_failing_stub_runs_the_webhooks_on_error(tmp_path):
    stubs = [WebhookStub.of("GET https://api.example.com/*", status=503)]
    with orders_driver(tmp_path, stubs) as driver:
        driver.say(VISITOR, "donde esta mi pedido")
        assert texts(driver.say(VISITOR, "123456")) == ["No pude consultar tu pedido ahora."]


def test_a_stub_names_the_call_it_refuses():
    caller = StubWebhookCaller([WebhookStub.of("POST https://a.example/*")])
    with pytest.raises(WebhookFailed, match=r"GET https://a.example/x: no webhook stub matches"):
        caller.call(WebhookRequest("GET", "https://a.example/x"))
    with pytest.raises(WebhookFailed, match=r"HTTP 404"):
        StubWebhookCaller([WebhookStub.of("* https://a.example/*", status=404)]).call(
            WebhookRequest("GET", "https://a.example/x"))
    with pytest.raises(WebhookFailed, match=r"no answer within 3s"):
        StubWebhookCaller([WebhookStub.of("GET https://a.example/*", timeout=True)]).call(
            WebhookRequest("GET", "https://a.example/x"))


def test_emails_a_bot_sends_are_kept_for_the_local_run(tmp_path):
    with orders_driver(tmp_path) as driver:
        driver.say(VISITOR, "hola", name="Ana")
        assert texts(driver.say(VISITOR, "mandame un mail", name="Ana")) == ["Listo, avisé a ventas."]
        assert [(e.recipient, e.payload["subject"]) for e in driver.emails] == [
            ("ventas@example.com", "Consulta de Ana")]


def test_a_folder_is_published_with_its_workspace_and_reached_through_its_web_chat_site(tmp_path):
    folder = tmp_path / "bots"
    folder.mkdir()
    (folder / "pedidos.yaml").write_text(ORDERS_BOT, encoding="utf-8")
    (folder / "workspace.yaml").write_text(
        "workspace: {id: shop, language: es, time_zone: America/Argentina/Buenos_Aires}\n"
        "channels:\n  - {type: webchat, account: shop-site, bot: pedidos}\n", encoding="utf-8")
    with LocalConversations(tmp_path / "data", start=NOON_IN_BUENOS_AIRES) as driver:
        bots = driver.publish(folder)
        assert [b.id for b in bots] == ["pedidos"]
        assert (driver.route.workspace_id, driver.route.account) == ("shop", "shop-site")
        assert texts(driver.say(VISITOR, "hola", name="Ana"))[0] == "Hola Ana!"


def test_a_folder_without_a_web_chat_channel_is_refused_with_the_reason(tmp_path):
    folder = tmp_path / "bots"
    folder.mkdir()
    (folder / "pedidos.yaml").write_text(ORDERS_BOT, encoding="utf-8")
    (folder / "workspace.yaml").write_text("workspace: {id: shop}\n", encoding="utf-8")
    with LocalConversations(tmp_path / "data") as driver, pytest.raises(InvalidInput, match="no webchat channel"):
        driver.publish(folder)


def test_an_invalid_bot_or_time_zone_is_refused_before_anything_is_published(tmp_path):
    with LocalConversations(tmp_path / "data") as driver:
        with pytest.raises(BotDefinitionError, match=r"broken\.yaml:3 language"):
            driver.publish_bot("id: x\nname: X\nlanguage: xx\ntopics: []\n", "broken.yaml")
        with pytest.raises(InvalidInput, match="Mars/Olympus"):
            driver.publish(TIENDA, time_zone="Mars/Olympus")
        with pytest.raises(InvalidInput, match="no bot is published"):
            driver.say(VISITOR, "hola")


def test_a_failure_inside_the_pipeline_is_reported_not_retried_forever(tmp_path):
    class Exploding:
        def call(self, request):
            raise RuntimeError("the author's API client blew up")

    with LocalConversations(tmp_path / "data", webhooks=Exploding()) as driver:
        driver.publish_bot(ORDERS_BOT, "pedidos.yaml")
        driver.say(VISITOR, "donde esta mi pedido")
        with pytest.raises(PipelineError, match=r"resolve_intent.*blew up"):
            driver.say(VISITOR, "123456")
        # The failed turn left nothing behind: the question is still pending, and the bot still answers.
        assert texts(driver.say(VISITOR, "no sé"))[0].endswith("¿Cuál es tu número de pedido? (6 dígitos)")


def test_a_driver_without_a_data_dir_cleans_up_after_itself():
    driver = LocalConversations()
    data_dir = driver.data_dir
    driver.publish(TIENDA)
    driver.say(VISITOR, "hola")
    driver.close()
    assert not data_dir.exists()
