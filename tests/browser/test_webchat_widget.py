"""The web chat widget in a real Chromium, talking to the whole local stack and the demo bot tienda.

Every test opens the widget in a fresh browser context, so each is a new visitor with its own
conversation. The demo bot pauses reply_delay_ms between replies in real time: waits are generous.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from werkzeug.wrappers import Response

try:
    from playwright.sync_api import Page, Route, expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    Page = Route = expect = None

from shared.channels.webchat_tokens import VISITOR_TOKEN_HEADER
from tests.support.webchat_client import Visitor, token_held
from tests.support.wsgi_server import serve_wsgi

WIDGET_DIR = Path(__file__).resolve().parents[2] / "functions" / "webhook_webchat" / "widget"
SITE = "demo-site"
IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WAIT_MS = 15_000
# Set to keep a picture of the widget showing a carousel and a document (e.g. /tmp/widget.png).
SCREENSHOT = os.environ.get("CHARLA_WIDGET_SCREENSHOT", "")
PRODUCT_PICTURE = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
<rect width="400" height="300" fill="{color}"/><circle cx="200" cy="150" r="80" fill="#ffffff" opacity="0.5"/></svg>"""


@dataclass
class Widget:
    """A visitor's browser tab on the widget, and what happened in it."""

    page: Page
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)

    def open(self, site: str = SITE, **params: str) -> None:
        query = "&".join(f"{k}={quote(v)}" for k, v in {"site": site, **params}.items())
        self.page.goto(f"{self.base_url}/webhook_webchat/widget?{query}")

    def say(self, text: str) -> None:
        self.page.get_by_role("textbox", name="Escribí tu mensaje").fill(text)
        self.page.get_by_role("button", name="Enviar").click()

    @property
    def log(self):
        return self.page.get_by_role("log")

    @property
    def bot(self):
        return self.log.locator(".charla-msg--bot")

    @property
    def mine(self):
        return self.log.locator(".charla-msg--visitor")

    def reply(self, kind: str, has_text: str | None = None):
        replies = self.log.locator(f'[data-kind="{kind}"]')
        return replies.filter(has_text=has_text) if has_text else replies

    def visitor_id(self) -> str:
        return self.page.evaluate("localStorage.getItem('charla.webchat.visitor_id')")

    def greet(self) -> None:
        self.say("hola")
        expect(self.reply("menu", "Elegí una opción:")).to_be_visible()


@pytest.fixture
def base_url(widget_stack) -> str:
    return f"http://127.0.0.1:{widget_stack.port}"


@pytest.fixture
def widget(chromium, base_url) -> Iterator[Widget]:
    expect.set_options(timeout=WAIT_MS)
    context = chromium.new_context(locale="es-AR", viewport={"width": 420, "height": 760})
    # The demo bot's product pictures live on a made-up shop's host: answer them locally.
    colors = iter(["#f4a261", "#2a9d8f", "#e9c46a", "#8ab17d", "#e76f51"] * 10)
    context.route("https://tiendasol.example/**", lambda route: route.fulfill(
        status=200, content_type="image/svg+xml", body=PRODUCT_PICTURE.format(color=next(colors))))
    page = context.new_page()
    tab = Widget(page, base_url)
    page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("request", lambda request: tab.posts.append(json.loads(request.post_data or "{}"))
            if request.method == "POST" else None)
    yield tab
    context.close()
    assert tab.errors == [], f"the widget's script failed: {tab.errors}"


# ---- the widget's files --------------------------------------------------------------------------


def test_the_widget_page_script_and_style_are_served_beside_the_api(base_url, widget_stack):
    page = httpx.get(f"{base_url}/webhook_webchat/widget", params={"site": SITE})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="widget.js" defer></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = httpx.get(f"{base_url}/webhook_webchat/widget.js")
    assert script.status_code == 200 and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.content == (WIDGET_DIR / "widget.js").read_bytes()
    style = httpx.get(f"{base_url}/webhook_webchat/widget.css")
    assert style.status_code == 200 and style.headers["content-type"] == "text/css; charset=utf-8"
    # The API at the function's other paths answers as before.
    visitor = Visitor(base_url, site=SITE, visitor_id="visitor-0001")
    poll = httpx.get(f"{base_url}/webhook_webchat", params={"site": SITE, "visitor_id": "visitor-0001"},
                     headers={VISITOR_TOKEN_HEADER: token_held(widget_stack.platform.secrets, visitor)})
    assert poll.status_code == 200 and poll.json() == {"replies": [], "cursor": 0}
    assert httpx.get(f"{base_url}/webhook_webchat/").status_code == 400
    assert httpx.get(f"{base_url}/webhook_webchat/widget.png").status_code == 400
    assert httpx.post(f"{base_url}/webhook_webchat/widget", content=b"{").status_code == 400


def test_the_widget_never_hands_text_to_the_html_parser():
    source = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    assert not re.search(r"\.innerHTML\s*=|outerHTML|insertAdjacentHTML|document\.write|\beval\(", source)


# ---- in the browser --------------------------------------------------------------------------------


def test_the_widget_is_labelled_for_assistive_technology(widget):
    widget.open()
    log = widget.page.get_by_role("log", name="Conversación")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(widget.page.get_by_role("textbox", name="Escribí tu mensaje")).to_be_editable()
    expect(widget.page.get_by_role("button", name="Enviar")).to_have_attribute("aria-label", "Enviar")


def test_hola_shows_the_greeting_and_the_menu_as_buttons_and_a_click_opens_the_submenu(widget):
    widget.open()
    widget.say("hola")
    expect(widget.mine.last).to_contain_text("hola")
    expect(widget.bot.first).to_contain_text("Soy Sol, la asistente virtual de Tienda Sol.")
    menu = widget.reply("menu", "Elegí una opción:")
    expect(menu.get_by_role("button")).to_have_text(["Información", "Compras", "Terminar"])
    # The numbered lines of the menu's text are its buttons, not a second copy of them.
    expect(menu.locator(".charla-text")).to_have_text("Elegí una opción:")

    menu.get_by_role("button", name="Compras").click()
    expect(widget.mine.last).to_contain_text("Compras")
    submenu = widget.reply("menu", "¿Qué necesitás?")
    expect(submenu.get_by_role("button")).to_have_text(
        ["Ver catálogo", "Mi pedido", "Cambios", "Sucursales", "Hablar con ventas", "Volver"])
    expect(menu.get_by_role("button", name="Compras")).to_be_disabled()

    log_box = widget.log.bounding_box()
    mine, bots = widget.mine.last.bounding_box(), widget.bot.first.bounding_box()
    assert mine["x"] + mine["width"] > log_box["x"] + log_box["width"] - 30, "the visitor's messages sit right"
    assert mine["x"] > log_box["x"] + log_box["width"] / 2
    assert bots["x"] < log_box["x"] + 30, "the bot's messages sit left"


def test_the_catalogue_shows_a_scrollable_carousel_of_cards_and_a_document(widget):
    widget.open()
    widget.greet()
    widget.reply("menu", "Elegí una opción:").get_by_role("button", name="Compras").click()
    widget.reply("menu", "¿Qué necesitás?").get_by_role("button", name="Ver catálogo").click()

    carousel = widget.reply("carousel")
    expect(carousel.locator(".charla-card-title")).to_have_text(
        ["Heladera Sol No Frost 300 L", 'Smart TV Sol 50" 4K', "Lavarropas Sol 8 kg"])
    expect(carousel.get_by_text("$ 899.999 · hasta 12 cuotas")).to_be_visible()
    picture = carousel.get_by_role("img", name="Heladera Sol No Frost 300 L")
    expect(picture).to_have_attribute("src", "https://tiendasol.example/img/heladera-300.jpg")
    expect(carousel.get_by_role("button")).to_have_text(
        ["Quiero la heladera", "Ficha heladera", "Quiero el televisor", "Ficha televisor", "Quiero el lavarropas"])
    strip = carousel.locator(".charla-carousel")
    assert strip.evaluate("e => e.scrollWidth > e.clientWidth"), "the cards scroll sideways"

    document = widget.reply("media").get_by_role("link", name="Descargar: catalogo-tienda-sol.pdf")
    expect(document).to_have_attribute("href", "https://tiendasol.example/catalogo-2026.pdf")
    expect(document).to_have_attribute("download", "catalogo-tienda-sol.pdf")
    expect(widget.reply("media").locator("figcaption")).to_have_text("El catálogo completo, con todos los precios")
    picture.evaluate("img => img.decode()")  # the picture has loaded before the photo is taken
    if SCREENSHOT:
        widget.page.screenshot(path=SCREENSHOT)

    strip.evaluate("e => e.scrollLeft = e.scrollWidth")
    carousel.get_by_role("button", name="Ficha televisor").click()
    expect(widget.bot.last).to_have_text("50 pulgadas, 4K HDR, Wi-Fi y Bluetooth, 1 año de garantía.")


def test_a_branch_comes_as_a_map_link_with_its_name_and_address(widget):
    widget.open()
    widget.greet()
    widget.say("donde queda el local?")
    expect(widget.bot.last).to_contain_text("¿En qué provincia estás?")
    widget.say("rosario")
    location = widget.reply("location")
    expect(location).to_contain_text("Tienda Sol Rosario")
    expect(location).to_contain_text("Córdoba 1450, Rosario")
    map_link = location.get_by_role("link", name="Ver en el mapa: Tienda Sol Rosario")
    expect(map_link).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=-32\.9468&mlon=-60\.6393(#|$)"))
    expect(widget.bot.last).to_contain_text("Te esperamos en la sucursal de Santa Fe")


def test_markup_from_the_bot_or_the_visitor_shows_as_text_and_never_runs(widget):
    # The visitor's name comes back inside the bot's greeting.
    widget.open(name="<b>Ana</b>")
    widget.greet()
    expect(widget.bot.first).to_contain_text("<b>Ana</b>! Soy Sol")
    attack = "<img src=x onerror=alert(1)>"
    answered = widget.bot.count()
    widget.say(attack)
    expect(widget.mine.last.locator(".charla-text")).to_have_text(attack)
    expect(widget.bot).not_to_have_count(answered)  # the bot has answered it, so it is all on the page
    assert widget.log.locator("b, img[src='x'], script").count() == 0
    assert widget.dialogs == []


def test_every_reply_kind_renders_from_the_api_shape(widget, base_url):
    """Kinds the demo bot never sends (image, video, audio, an agent, unsafe links), fed to the widget."""
    replies = [
        {"kind": "text", "text": "Línea uno\nLínea dos: https://tiendasol.example/ayuda.", "sender_type": "agent"},
        {"kind": "buttons", "text": "¿Seguimos?", "options": ["Sí", "No"]},
        {"kind": "media", "payload": {"kind": "image", "url": "https://tiendasol.example/img/foto.png",
                                      "caption": "La foto"}},
        {"kind": "media", "payload": {"kind": "video", "url": "https://tiendasol.example/v.mp4", "caption": "Video"}},
        {"kind": "media", "payload": {"kind": "audio", "url": "https://tiendasol.example/a.ogg", "caption": "Audio"}},
        {"kind": "media", "payload": {"kind": "document", "url": "javascript:alert(1)", "caption": "Trampa",
                                      "filename": "x.pdf"}},
        {"kind": "location", "payload": {"latitude": "no", "longitude": 1, "name": "Sin mapa", "address": "—"}},
    ]
    body = {"replies": [{"seq": n, "message_id": f"m{n}", "options": [], "payload": {}, "sender_type": "bot",
                         "text": "", "sent_at": "", "visible_at": "", **r} for n, r in enumerate(replies, 1)],
            "cursor": len(replies)}

    def answer(route: Route) -> None:
        first = "after=0" in route.request.url
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps(body if first else {"replies": [], "cursor": len(replies)}))

    widget.page.route(re.compile(r"/webhook_webchat\?"), answer)
    # A visitor who wrote before: the widget polls with the token it kept (the answers above are made up).
    widget.page.add_init_script("localStorage.setItem('charla.webchat.visitor_id', 'v_returning_visitor');"
                                f"localStorage.setItem('charla.webchat.visitor_token.{SITE}', 'wv1.kept');")
    widget.open()

    agent = widget.log.locator('[data-seq="1"]')
    expect(agent).to_contain_text("Agente")
    assert agent.locator(".charla-text").inner_text() == "Línea uno\nLínea dos: https://tiendasol.example/ayuda."
    expect(agent.get_by_role("link")).to_have_attribute("href", "https://tiendasol.example/ayuda")
    expect(widget.reply("buttons").get_by_role("button")).to_have_text(["Sí", "No"])
    expect(widget.log.get_by_role("img", name="La foto")).to_have_attribute(
        "src", "https://tiendasol.example/img/foto.png")
    expect(widget.log.locator("video[controls]")).to_have_attribute("src", "https://tiendasol.example/v.mp4")
    expect(widget.log.locator("audio[controls]")).to_have_attribute("src", "https://tiendasol.example/a.ogg")
    unsafe = widget.log.locator('[data-seq="6"]')
    expect(unsafe).to_contain_text("Trampa")
    assert unsafe.get_by_role("link").count() == 0
    expect(widget.log.locator('[data-seq="7"]')).to_contain_text("Sin mapa")
    assert widget.log.locator('[data-seq="7"]').get_by_role("link").count() == 0


def test_the_visitor_keeps_one_id_and_the_conversation_across_a_reload(widget):
    widget.open()
    widget.greet()
    visitor = widget.visitor_id()
    assert IDENTIFIER.match(visitor)
    assert [p["visitor_id"] for p in widget.posts] == [visitor]
    assert IDENTIFIER.match(widget.posts[0]["message_id"])

    widget.page.reload()
    assert widget.visitor_id() == visitor
    expect(widget.mine.locator(".charla-text")).to_have_text(["hola"])
    expect(widget.bot).to_have_count(2)
    widget.page.wait_for_timeout(1500)  # a poll or two after the reload brings nothing twice
    expect(widget.bot).to_have_count(2)
    widget.say("gracias sol")
    expect(widget.bot.last).to_contain_text("¡De nada!")
    assert [p["visitor_id"] for p in widget.posts] == [visitor, visitor]


def test_a_message_sent_again_after_a_lost_answer_is_answered_once(widget):
    lost = []

    def lose_the_first_answer(route: Route) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().status)  # the server has the message; the widget never hears back
        route.abort()

    widget.page.route(re.compile(r"/webhook_webchat$"), lose_the_first_answer)
    widget.open()
    widget.greet()
    assert lost == [202]
    assert len(widget.posts) == 2 and widget.posts[0]["message_id"] == widget.posts[1]["message_id"]
    expect(widget.mine.last.locator(".charla-msg-status")).to_be_hidden()
    widget.page.wait_for_timeout(1500)
    expect(widget.reply("menu")).to_have_count(1)
    expect(widget.bot).to_have_count(2)


def test_a_message_that_cannot_be_delivered_offers_a_retry(widget):
    offline = [True]

    def network(route: Route) -> None:
        route.abort() if offline[0] else route.continue_()

    widget.page.route(re.compile(r"/webhook_webchat$"), network)
    widget.open()
    widget.say("hola")
    retry = widget.mine.last.get_by_role("button", name="Reintentar envío")
    expect(retry).to_be_visible()
    offline[0] = False
    retry.click()
    expect(widget.reply("menu", "Elegí una opción:")).to_be_visible()
    assert len({p["message_id"] for p in widget.posts}) == 1


def test_the_widget_embedded_in_a_shops_own_page_talks_to_the_api_across_origins(widget, base_url):
    shop = (f'<!doctype html><html lang="es"><head><link rel="stylesheet" href="{base_url}/webhook_webchat/widget.css">'
            f'</head><body><h1>Tienda Sol</h1><script src="{base_url}/webhook_webchat/widget.js" '
            f'data-site="{SITE}" data-title="Tienda Sol" defer></script></body></html>')
    shop_app = Response(shop, mimetype="text/html")
    with serve_wsgi(shop_app) as shop_url:
        # The shop's own query string is not the widget's configuration: data-site is.
        widget.page.goto(f"{shop_url}/?site=someone-else")
        expect(widget.page.get_by_role("heading", name="Tienda Sol", level=2)).to_be_visible()
        widget.greet()
        assert [p["site"] for p in widget.posts] == [SITE]
        assert widget.page.evaluate("location.origin") == shop_url != base_url


def test_without_a_site_the_widget_says_what_is_missing(widget):
    widget.page.goto(f"{widget.base_url}/webhook_webchat/widget")
    expect(widget.page.get_by_role("status")).to_have_text("Falta el sitio del chat (?site=).")
    expect(widget.page.get_by_role("textbox", name="Escribí tu mensaje")).to_be_disabled()


def test_a_person_chats_with_the_demo_bot_on_the_demo_page_and_keeps_the_chat_after_a_reload(widget, base_url):
    widget.page.goto(f"{base_url}/")
    expect(widget.page.get_by_role("heading", name="Tienda demo", level=1)).to_be_visible()
    widget.greet()
    expect(widget.bot.first).to_contain_text("Soy Sol, la asistente virtual de Tienda Sol.")
    widget.reply("menu", "Elegí una opción:").get_by_role("button", name="Información").click()
    expect(widget.reply("menu", "¿Sobre qué?")).to_be_visible()
    if SCREENSHOT:
        widget.page.screenshot(path=SCREENSHOT.replace(".png", "-demo-page.png"))
    widget.page.reload()
    expect(widget.mine.locator(".charla-text")).to_have_text(["hola", "Información"])
    widget.say("gracias sol")
    # Replies come by long poll: the answer shows without the page asking again and again.
    expect(widget.bot.last).to_contain_text("¡De nada!")
