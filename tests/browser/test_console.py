"""The agent console (console/) in a real Chromium, against the whole local stack and its demo team.

The customer is a real web chat widget in another browser context; agents and supervisors each have
their own context (their own session), as they would have their own browsers. The run keeps a picture
of each main screen in CHARLA_CONSOLE_SCREENSHOTS (default .charla/screenshots/console).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    expect = None

from charla_local.demo_team import DEFAULT_PASSWORD
from tests.browser.console_tab import ROOT, SCREENSHOTS
from tests.browser.test_console_accessibility import violations
from tests.support.webchat_client import Visitor, token_held

CONSOLE_DIR = ROOT / "console"
REPORT_PATIENCE_S = 45
ATTACK = "<script>alert(1)</script> y <img src=x onerror=alert(2)>"
PNG_1X1 = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAAB"
                           "JRU5ErkJggg==")
HTML_SINKS = re.compile(r"\.innerHTML\s*=|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(")


@pytest.fixture(scope="module", autouse=True)
def _say_where_the_screenshots_go(request) -> Iterator[None]:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and SCREENSHOTS.exists():
        with capture.global_and_fixture_disabled():  # printed even without -s
            print(f"\nconsole screenshots: {SCREENSHOTS}")


# ---- the files ------------------------------------------------------------------------------------------


def test_the_console_is_served_at_console_with_its_types_and_a_strict_policy(base_url):
    moved = httpx.get(f"{base_url}/console")
    assert moved.status_code == 301 and moved.headers["location"].endswith("/console/")
    index = httpx.get(f"{base_url}/console/")
    assert index.status_code == 200 and index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.content == (CONSOLE_DIR / "index.html").read_bytes()
    policy = index.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy and "object-src 'none'" in policy
    for path, content_type in (("app.js", "text/javascript; charset=utf-8"),
                               ("views/conversation.js", "text/javascript; charset=utf-8"),
                               ("i18n/en.js", "text/javascript; charset=utf-8"),
                               ("styles.css", "text/css; charset=utf-8"), ("logo.svg", "image/svg+xml")):
        answer = httpx.get(f"{base_url}/console/{path}")
        assert answer.status_code == 200 and answer.headers["content-type"] == content_type, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.content == (CONSOLE_DIR / path).read_bytes()
    for missing in ("nothing.js", "%2e%2e/main.py", "..%2fpyproject.toml", "views"):
        assert httpx.get(f"{base_url}/console/{missing}").status_code == 404, missing
    # The API beside it answers as before.
    assert httpx.get(f"{base_url}/console_api/openapi.json").json()["info"]["title"] == "Charla console API"


def test_the_console_never_hands_text_to_the_html_parser_nor_runs_inline_code():
    scripts = sorted(CONSOLE_DIR.rglob("*.js"))
    assert len(scripts) >= 10
    for script in scripts:
        assert not HTML_SINKS.search(script.read_text(encoding="utf-8")), script.name
    page = (CONSOLE_DIR / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script\b[^>]*>", page) == ['<script type="module" src="app.js">']
    assert " style=" not in page and not re.search(r"\son[a-z]+=", page)
    assert "https://" not in re.sub(r"<!--.*?-->", "", page, flags=re.S), "nothing comes from another site"


def test_every_string_exists_in_spanish_and_in_english():
    def keys(name: str) -> set[str]:
        return set(re.findall(r'^\s*"([^"]+)":', (CONSOLE_DIR / "i18n" / name).read_text(encoding="utf-8"), re.M))

    spanish, english = keys("es.js"), keys("en.js")
    assert spanish == english and len(spanish) > 250
    used = set()
    for script in CONSOLE_DIR.rglob("*.js"):
        used |= set(re.findall(r'\bt\("([^"]+)"', script.read_text(encoding="utf-8")))
    assert used - spanish == set()


# ---- in the browser -------------------------------------------------------------------------------------


def test_signing_in_works_from_the_keyboard_and_a_wrong_password_is_said(browser_tab):
    tab = browser_tab()
    tab.open_console()
    expect(tab.page.get_by_role("heading", name="Ingresar a la consola", level=1)).to_be_visible()
    tab.sign_in("lucia@demo.charla", "not the password")
    expect(tab.page.get_by_role("alert")).to_contain_text("No pudimos ingresar.")
    expect(tab.page.get_by_label("Contraseña")).to_be_focused()
    expect(tab.page.get_by_label("Contraseña")).to_have_value("")

    tab.page.get_by_label("Correo electrónico").fill("")
    tab.page.get_by_label("Correo electrónico").focus()
    tab.sign_in("lucia@demo.charla")
    heading = tab.page.get_by_role("heading", name="Bandeja", level=1)
    expect(heading).to_be_focused()  # focus lands on the new screen's heading
    navigation = tab.page.get_by_role("navigation", name="Secciones")
    expect(navigation.get_by_role("link")).to_have_text(["Bandeja", "Contactos"])  # an agent's menu
    expect(navigation.get_by_role("link", name="Bandeja")).to_have_attribute("aria-current", "page")

    tab.page.reload()  # the session survives a reload of the tab
    expect(tab.page.get_by_role("heading", name="Bandeja", level=1)).to_be_visible()
    tab.page.get_by_role("button", name="Cerrar sesión").click()
    expect(tab.page.get_by_role("heading", name="Ingresar a la consola")).to_be_visible()


def test_language_and_theme_switch_and_are_remembered(browser_tab):
    tab = browser_tab()
    tab.open_console()
    html = tab.page.locator("html")
    expect(html).to_have_attribute("lang", "es")
    background = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")

    tab.page.get_by_role("combobox", name="Idioma").select_option("en")
    expect(tab.page.get_by_role("heading", name="Sign in to the console", level=1)).to_be_visible()
    expect(tab.page.get_by_label("Email")).to_be_visible()
    expect(html).to_have_attribute("lang", "en")
    expect(tab.page.get_by_role("combobox", name="Language")).to_be_focused()

    theme = tab.page.get_by_role("button", name="Dark theme")
    expect(theme).to_have_attribute("aria-pressed", "false")
    theme.click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(tab.page.get_by_role("button", name="Light theme")).to_have_attribute("aria-pressed", "true")
    assert tab.page.evaluate("getComputedStyle(document.body).backgroundColor") != background

    tab.page.reload()
    expect(tab.page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    expect(html).to_have_attribute("data-theme", "dark")
    tab.shot("login-dark-en")
    tab.page.get_by_role("combobox", name="Language").select_option("es")
    tab.page.get_by_role("button", name="Tema claro").click()
    expect(html).to_have_attribute("data-theme", "light")


def test_a_customer_is_taken_over_answered_transferred_resolved_and_found_in_the_reports(browser_tab, base_url):
    # ---- Ana signs in and goes online ----
    ana = browser_tab()
    ana.open_console()
    ana.shot("login")
    ana.sign_in("ana@demo.charla")
    expect(ana.page.get_by_role("heading", name="Bandeja", level=1)).to_be_focused()
    ana.go_online()

    # ---- a customer asks for a person in the web chat widget ----
    customer = browser_tab({"width": 420, "height": 760}).page
    customer.goto(f"{base_url}/webhook_webchat/widget?site=demo-site&name=Marta")
    widget_log = customer.get_by_role("log")

    def customer_says(text: str) -> None:
        customer.get_by_role("textbox", name="Escribí tu mensaje").fill(text)
        customer.get_by_role("button", name="Enviar").click()

    customer_says("hola")
    expect(widget_log).to_contain_text("Soy Sol")
    customer_says("quiero hablar con alguien")
    expect(widget_log).to_contain_text("Ana te atenderá en un momento.")

    # ---- it reaches Ana's inbox by itself (long poll), then a new message counts unread ----
    chats = ana.page.locator(".conversation-list")
    marta = chats.get_by_role("link").filter(has_text="Marta")
    expect(marta).to_be_visible()
    customer_says(ATTACK)
    expect(marta.locator(".badge")).to_have_text("1")
    expect(ana.page).to_have_title(re.compile(r"^\(1\) Charla"))
    expect(ana.page.get_by_role("link", name=re.compile(r"^Mis chats \(1\)"))).to_be_visible()
    ana.shot("inbox")

    # ---- the whole history, each sender in its colour, the attack as plain text ----
    marta.click()
    expect(ana.page.get_by_role("heading", name="Marta", level=2)).to_be_visible()
    history = ana.history
    expect(history.locator(".msg--customer")).to_have_count(3)
    expect(history.locator(".msg--customer .msg-text").last).to_have_text(ATTACK)
    expect(history.locator(".msg--bot").first).to_contain_text("Soy Sol")
    expect(history.locator(".msg--system").last).to_contain_text("Ana te atenderá")
    assert history.locator("script, img[src='x'], img[onerror]").count() == 0
    expect(ana.page).not_to_have_title(re.compile(r"^\("))  # opened, so read
    expect(history.locator(".msg").last).to_be_in_viewport()  # the history opens at its latest message
    colours = {kind: history.locator(f".msg--{kind}").first.evaluate("e => getComputedStyle(e).backgroundColor")
               for kind in ("customer", "bot", "system")}
    assert len(set(colours.values())) == 3, colours

    # ---- Ana answers with a quick reply found by typing '/', quoting the customer ----
    history.locator(".msg--customer").last.get_by_role("button", name=re.compile("^Citar")).click()
    box = ana.page.get_by_role("textbox", name="Mensaje")
    expect(box).to_be_focused()
    box.type("¡Hola Marta! Soy Ana. /env")
    suggestion = ana.page.get_by_role("listbox", name="Respuestas rápidas").get_by_role("option").first
    expect(suggestion).to_contain_text("/envios")
    expect(box).to_have_attribute("aria-activedescendant", "quick-reply-0")
    box.press("Enter")  # picks the quick reply
    expect(box).to_have_value("¡Hola Marta! Soy Ana. Enviamos a todo el país: en AMBA llega en 24 a 48 h y al interior "
                              "en 72 h hábiles. El envío es gratis en compras desde $50.000.")
    box.press("Enter")  # sends
    expect(box).to_have_value("")
    mine = history.locator(".msg--agent").last
    expect(mine).to_contain_text("Soy Ana. Enviamos a todo el país")
    expect(mine.locator(".msg-quoted")).to_contain_text(ATTACK)
    expect(widget_log).to_contain_text("¡Hola Marta! Soy Ana. Enviamos a todo el país")

    # ---- a private note, and tags ----
    ana.page.get_by_label("Nota privada").check()
    box.fill("Pregunta por envíos a Rosario")
    box.press("Enter")
    expect(history.locator(".msg--note")).to_contain_text("Pregunta por envíos a Rosario")
    ana.page.get_by_role("group", name="Acciones de la conversación").get_by_role("button", name="Etiquetas").click()
    ana.page.get_by_role("dialog").get_by_label("Etiquetas").fill("envíos, rosario")
    ana.page.get_by_role("dialog").get_by_role("button", name="Guardar").click()
    expect(ana.page.locator(".conversation-header .tag")).to_have_text(["envíos", "rosario"])
    expect(ana.page.get_by_role("button", name="Etiquetas")).to_be_focused()  # back where the dialog opened
    ana.shot("conversation")
    ana.page.get_by_role("button", name="Tema oscuro").click()  # the whole frame redraws, the chat stays open
    expect(ana.history.locator(".msg--note")).to_be_visible()
    ana.shot("conversation-dark")
    ana.page.get_by_role("button", name="Tema claro").click()

    # ---- Beto signs in in his own browser; Ana transfers the chat to him ----
    beto = browser_tab(user="beto@demo.charla")
    beto.go_online()
    ana.page.get_by_role("button", name="Transferir").click()
    dialog = ana.page.get_by_role("dialog", name="Transferir la conversación")
    expect(dialog.get_by_label("Transferir a")).to_be_focused()
    dialog.get_by_label("Agente, cola o menú").fill("beto")
    dialog.get_by_role("button", name="Transferir").click()
    expect(ana.page.locator(".toast").filter(has_text="Transferida a beto.")).to_have_attribute("role", "status")
    expect(chats.get_by_role("link").filter(has_text="Marta")).to_have_count(0)
    expect(widget_log).to_contain_text("Beto te atenderá en un momento.")

    # ---- Beto finds it, reads the whole history and resolves it with a typification ----
    beto.page.locator(".conversation-list").get_by_role("link").filter(has_text="Marta").click()
    expect(beto.history.locator(".msg--note")).to_contain_text("Pregunta por envíos a Rosario")
    expect(beto.history.locator(".msg--customer .msg-text").filter(has_text="onerror")).to_have_text(ATTACK)
    beto.page.get_by_role("button", name="Resolver").click()
    resolve = beto.page.get_by_role("dialog", name="Resolver la conversación")
    resolve.get_by_label("Tipificación").select_option("Consulta resuelta")
    resolve.get_by_role("button", name="Resolver").click()
    expect(beto.page.locator(".toast").filter(has_text="Ticket cerrado: Resuelto.")).to_be_visible()
    expect(beto.page.locator(".conversation-list")).to_contain_text("No tenés chats abiertos")

    # ---- the note never reached the customer; the attack never ran anywhere ----
    assert "Rosario" not in widget_log.inner_text()
    assert customer.locator("img[src='x'], .charla-log script").count() == 0

    # ---- Sofía, supervisor: the monitor, and the chat in the reports once exported ----
    sofia = browser_tab(user="sofia@demo.charla")
    expect(sofia.page.get_by_role("navigation", name="Secciones").get_by_role("link")).to_have_text(
        ["Bandeja", "Contactos", "Monitor", "Informes"])
    sofia.nav("Monitor")
    agents = sofia.page.locator("#monitor-agents")
    expect(agents.get_by_role("row").filter(has_text="Beto")).to_contain_text("En línea")
    expect(sofia.page.locator("#monitor-queues")).to_contain_text("ventas")
    sofia.shot("monitor")

    sofia.nav("Informes")
    resolved = sofia.page.locator("#report-resolved_chats")
    for_agents = sofia.page.locator("#report-agents")
    # The history is exported in the background: ask again until Beto's resolution shows.
    deadline = time.monotonic() + REPORT_PATIENCE_S
    while "beto" not in (for_agents.locator("table").text_content() if for_agents.locator("table").count() else ""):
        assert time.monotonic() < deadline, "the resolved chat never reached the reports"
        sofia.page.wait_for_timeout(500)
        sofia.page.get_by_role("button", name="Ver").click()
        expect(sofia.page.locator(".report-list")).to_have_attribute("aria-busy", "false")
    expect(resolved.get_by_role("img")).to_have_attribute("aria-label", re.compile(r"Chats 1"))
    for_agents.locator("summary").click()
    expect(for_agents.get_by_role("table")).to_contain_text("beto")
    with sofia.page.expect_download() as download:
        for_agents.get_by_role("button", name=re.compile("^Descargar CSV")).click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("agent_id,") and "beto" in csv
    sofia.shot("reports", full_page=True)

    # ---- Adriana, admin: users, and a typification made through the console ----
    adriana = browser_tab(user="adriana@demo.charla")
    adriana.nav("Administración")
    users = adriana.page.get_by_role("table", name="Usuarios")
    expect(users.get_by_role("row")).to_have_count(6)
    expect(users.get_by_role("row").filter(has_text="beto@demo.charla")).to_contain_text("Agente")
    adriana.shot("admin-users")
    adriana.admin_section("Tipificaciones")
    adriana.page.get_by_role("button", name="Nuevo: tipificación").click()
    form = adriana.page.get_by_role("dialog")
    form.get_by_label("Nombre").fill("Envío demorado")
    form.get_by_role("button", name="Guardar").click()
    expect(adriana.page.get_by_role("table", name="Tipificaciones")).to_contain_text("Envío demorado")
    adriana.page.get_by_role("link", name="Configuración").click()
    expect(adriana.page.get_by_role("heading", name="Configuración del espacio de trabajo")).to_be_visible()


def test_an_agent_starts_a_conversation_from_a_contact_and_a_supervisor_resolves_it_in_bulk(browser_tab, base_url,
                                                                                            widget_stack):
    visitor = Visitor(base_url)
    visitor.token = token_held(widget_stack.platform.secrets, visitor)  # the widget holds it from an earlier visit
    token = httpx.post(f"{base_url}/console_api/login", timeout=10,
                       json={"email": "sofia@demo.charla", "password": DEFAULT_PASSWORD}).json()["token"]
    made = httpx.post(f"{base_url}/console_api/contacts", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                      json={"name": "Rosa Pérez", "addresses": {"webchat": visitor.visitor_id}})
    assert made.status_code == 200, made.text

    lucia = browser_tab(user="lucia@demo.charla")
    lucia.go_online()
    form = lucia.write_to_contact("rosa", "Rosa Pérez")
    expect(form.get_by_label("Plantilla aprobada")).to_be_focused()
    form.get_by_label("Parámetro 1").fill("Rosa")
    form.get_by_label("Parámetro 2").fill("A-1234")
    expect(form.locator(".template-preview")).to_have_text(
        "Hola Rosa, te escribimos de Tienda Sol por tu pedido A-1234. ¿Podemos ayudarte?")
    expect(form.get_by_label("Canal", exact=True)).to_have_value("webchat")
    expect(form.get_by_label("Cuenta del canal")).to_have_value("demo-site")  # the workspace's first web chat
    form.get_by_role("button", name="Enviar e iniciar").click()

    # The chat is Lucía's from the first message, and the customer receives the template.
    expect(lucia.page.get_by_role("heading", name="Rosa Pérez", level=2)).to_be_visible()
    expect(lucia.history.locator(".msg--agent")).to_contain_text("tu pedido A-1234")
    expect(lucia.history.locator(".msg--agent")).to_contain_text("Plantilla aprobada: seguimiento_pedido")
    assert any("tu pedido A-1234" in r["text"] for r in visitor.wait_for_replies(1))

    sofia = browser_tab(user="sofia@demo.charla")
    sofia.page.get_by_role("link", name=re.compile("^Todos")).click()
    sofia.page.get_by_role("checkbox", name="Seleccionar la conversación de Rosa Pérez").check()
    bulk = sofia.page.get_by_role("group", name="Acciones sobre las conversaciones seleccionadas")
    expect(bulk).to_contain_text("1 seleccionadas")
    bulk.get_by_label("Tipificación").select_option("Venta")
    bulk.get_by_role("button", name="Resolver").click()
    expect(sofia.page.locator(".toast").filter(has_text="Resueltas 1 de 1.")).to_be_visible()
    expect(sofia.page.locator(".conversation-list").get_by_role("link").filter(has_text="Rosa Pérez")).to_contain_text(
        "Resuelto")
    # console_api's long poll tells only of conversations still in the view: one that left it shows at the
    # end of the poll's wait (20 s).
    expect(lucia.page.get_by_role("link", name=re.compile(r"^Mis chats \(0\)"))).to_be_visible(timeout=30_000)
    lucia.page.get_by_role("combobox", name="Estado").select_option(label="Desconectado")
    expect(lucia.page.get_by_role("combobox", name="Estado")).to_have_value("offline")


def test_every_kind_of_history_entry_renders_from_the_api_shape_and_never_as_html(browser_tab):
    """Entries the demo never produces (pictures, video, a location, a quoted message, a failed delivery,
    unsafe links), fed to the console as console_api would answer them."""
    at = "2026-01-05T12:00:00+00:00"
    entries = [
        {"sender_type": "bot", "direction": "outbound", "kind": "text", "text": "¿Me mandás una foto?",
         "provider_message_id": "wamid.BOT1"},
        {"sender_type": "user", "direction": "inbound", "kind": "image", "text": "<b>la foto</b>",
         "payload": {"media": {"url": "https://cdn.example/foto.svg", "mime_type": "image/svg+xml"},
                     "reply_to": "wamid.BOT1"}},
        {"sender_type": "user", "direction": "inbound", "kind": "image", "text": "",
         "payload": {"media": {"blob": "media/demo/cv_shapes/m3", "mime_type": "image/png"}}},
        {"sender_type": "user", "direction": "inbound", "kind": "document", "text": "",
         "payload": {"media": {"url": "javascript:alert(3)", "filename": "trampa.pdf"}}},
        {"sender_type": "user", "direction": "inbound", "kind": "location", "text": "",
         "payload": {"latitude": -32.9468, "longitude": -60.6393, "name": "Casa <i>", "address": "Córdoba 1450"}},
        {"sender_type": "bot", "direction": "outbound", "kind": "media", "text": "",
         "payload": {"kind": "video", "url": "https://cdn.example/v.mp4", "caption": "Cómo medir"}},
        {"sender_type": "agent", "direction": "outbound", "kind": "text", "text": "Gracias", "agent_id": "lucia",
         "status": "failed", "failure_reason": "24h window closed",
         "payload": {"agent_name": "Lucía", "reply_to": {"message_id": "m2", "text": "<b>la foto</b>"}}},
        {"sender_type": "note", "direction": "internal", "kind": "text", "text": "<script>alert(4)</script>",
         "agent_id": "lucia"},
        {"sender_type": "user", "direction": "inbound", "kind": "document", "text": "",
         "payload": {"media": {"blob": "media/demo/cv_shapes/m9", "mime_type": "image/svg+xml",
                               "filename": "plano.svg"}}},
    ]
    conversation = {
        "conversation_id": "cv_shapes", "channel": "whatsapp", "contact": "5491155550000",
        "contact_name": "<img src=x onerror=alert(5)>", "status": "with_agent", "ticket_id": "tk_1",
        "ticket_status": "IN_PROGRESS", "agent": "lucia.mayoristas", "invited": "", "queue": "ventas", "tags": [],
        "unread": 0, "last_message_at": at, "updated_at": at, "variables": {"pedido": "<u>A-1</u>"},
        "messages": [{"message_id": f"m{n}", "at": at, "payload": {}, **entry} for n, entry in enumerate(entries, 1)],
        "tickets": [{"ticket_id": "tk_1", "status": "IN_PROGRESS", "queue": "ventas", "agent": "lucia.mayoristas",
                     "created_at": at, "closed_at": "", "typification": "",
                     "timeline": [{"at": at, "by": "system", "event": "assigned", "agent": "lucia.mayoristas",
                                   "rule": "round robin"}]}],
    }
    tab = browser_tab()
    tab.page.route("https://cdn.example/**", lambda route: route.fulfill(
        status=200, content_type="image/svg+xml",
        body='<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>'))
    stored = {"m3": ("image/png", PNG_1X1), "m9": ("application/octet-stream", b"<svg onload='alert(6)'/>")}
    tab.page.route(re.compile(r"/console_api/conversations/cv_shapes/media/m\d+$"), lambda route: route.fulfill(
        status=200, content_type=stored[route.request.url.rsplit("/", 1)[1]][0],
        body=stored[route.request.url.rsplit("/", 1)[1]][1]))
    tab.page.route(re.compile(r"/console_api/conversations/cv_shapes$"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(conversation)))
    tab.open_console()
    tab.sign_in("lucia@demo.charla")
    expect(tab.page.get_by_role("heading", name="Bandeja", level=1)).to_be_visible()
    tab.page.goto(f"{tab.base_url}/console/#/inbox/assigned/cv_shapes")

    expect(tab.page.get_by_role("heading", level=2, name="<img src=x onerror=alert(5)>")).to_be_visible()
    picture = tab.history.get_by_role("img", name="<b>la foto</b>")
    expect(picture).to_have_attribute("src", "https://cdn.example/foto.svg")
    entry = tab.history.locator('[data-message-id="m2"]')
    expect(entry.locator(".msg-quoted")).to_contain_text("¿Me mandás una foto?")
    # A stored copy is fetched with the session's token and shown from a blob: URL; an SVG is only saved.
    stored_picture = tab.history.locator('[data-message-id="m3"] img')
    expect(stored_picture).to_have_attribute("src", re.compile(r"^blob:"))
    stored_picture.evaluate("img => img.decode()")
    svg_file = tab.history.locator('[data-message-id="m9"]')
    expect(svg_file.get_by_role("button", name="Descargar: plano.svg")).to_be_visible()
    assert svg_file.locator("img, object, iframe, embed").count() == 0
    unsafe = tab.history.locator('[data-message-id="m4"]')
    assert unsafe.get_by_role("link").count() == 0
    map_link = tab.history.get_by_role("link", name="Ver en el mapa: Casa <i>")
    expect(map_link).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=-32\.9468&"))
    expect(tab.history.locator('[data-message-id="m5"]')).to_contain_text("Córdoba 1450")
    expect(tab.history.locator("video[controls]")).to_have_attribute("src", "https://cdn.example/v.mp4")
    reply = tab.history.locator('[data-message-id="m7"]')
    expect(reply.locator(".msg-who")).to_have_text("Lucía")
    expect(reply.locator(".msg-quoted")).to_contain_text("<b>la foto</b>")
    expect(reply).to_contain_text("No se entregó: 24h window closed")
    expect(tab.history.locator(".msg--note .msg-text")).to_have_text("<script>alert(4)</script>")
    tab.page.get_by_text("Detalles: variables y tickets").click()
    expect(tab.page.locator(".variables")).to_contain_text("<u>A-1</u>")
    expect(tab.page.locator(".timeline")).to_contain_text("Asignado: lucia.mayoristas · round robin")
    assert tab.page.locator("main b, main i, main u, main script, main img[src='x']").count() == 0
    assert violations(tab) == []  # axe-core, WCAG 2.1 AA, on the richest conversation there is
    picture.evaluate("img => img.decode()")
