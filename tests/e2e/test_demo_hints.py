"""Every hint the demo gives a new user does what it says (issue 17, point 6), through the web chat of the
running local stack: the demo page's ("hola", a first message with a question, "¿dónde está mi pedido?" with
the order the page names, "quiero hablar con una persona") and the README's "Try it" walk ("hola", "1",
"Envíos", "a que hora abren", "quiero hablar con alguien")."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from shared.conversations.store_names import CONVERSATIONS
from tests.support.webchat_client import Visitor

PATIENCE_S = 20.0
DEMO_PAGE = Path(__file__).resolve().parent.parent.parent / "charla_local" / "demo_page.html"


def wait_for_text(visitor: Visitor, text: str) -> dict:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        for reply in visitor.seen:
            if text in reply.get("text", ""):
                return reply
        if not visitor.poll():
            time.sleep(0.05)
    raise AssertionError(f"the customer never saw {text!r}; saw {[r.get('text') for r in visitor.seen]}")


def conversation_status(stack, visitor: Visitor, conversation_id: str) -> dict:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        conversation = stack.platform.store.get(CONVERSATIONS, conversation_id) or {}
        if conversation.get("status") == "with_agent":
            return conversation
        visitor.poll()
        time.sleep(0.05)
    return conversation


def test_the_demo_page_names_the_hints_this_test_plays(embedded_stack):
    page = httpx.get(f"http://127.0.0.1:{embedded_stack.port}/").text
    assert page == DEMO_PAGE.read_text(encoding="utf-8")
    hints = re.findall(r'"([^"]+)"', re.search(r"<header>.*?</header>", page, re.S).group(0))
    assert hints == ["hola", "hola, ¿hacen envíos al interior?", "¿dónde está mi pedido?",
                     "quiero hablar con una persona"]
    assert "123456" in page


def test_the_demo_pages_hints(embedded_stack):
    base = f"http://127.0.0.1:{embedded_stack.port}"
    greeted = Visitor(base)
    greeted.say("hola")
    wait_for_text(greeted, "Soy Sol, la asistente virtual de Tienda Sol.")
    assert greeted.wait_for_replies(2)[1]["kind"] == "menu"

    asking = Visitor(base)
    asking.say("hola, ¿hacen envíos al interior?")
    wait_for_text(asking, "Enviamos a todo el país")
    assert sum("Soy Sol" in r.get("text", "") for r in asking.seen) == 1

    order = Visitor(base)
    order.say("¿dónde está mi pedido?")
    wait_for_text(order, "Pasame el número de pedido")
    order.say("123456")
    wait_for_text(order, "Tu pedido 123456 está en camino 🚚 y llega el 5 de marzo de 2026.")

    person = Visitor(base)
    posted = person.say("quiero hablar con una persona")
    wait_for_text(person, "Te comunico con una persona del equipo.")
    assert conversation_status(embedded_stack, person, posted["conversation_id"]).get("status") == "with_agent"


def test_the_readme_try_it_walk(embedded_stack):
    base = f"http://127.0.0.1:{embedded_stack.port}"
    # As the README's first curl: no visitor id; the answer gives the new visitor's id and token.
    first = httpx.post(f"{base}/webhook_webchat", json={"site": "demo-site", "text": "hola"}, timeout=10)
    assert first.status_code == 202, first.text
    posted = first.json()
    visitor = Visitor(base, visitor_id=posted["visitor_id"], token=posted["visitor_token"])
    wait_for_text(visitor, "Soy Sol")
    visitor.wait_for_replies(2)
    visitor.say("1")
    wait_for_text(visitor, "¿Sobre qué?")
    visitor.say("Envíos")
    wait_for_text(visitor, "Envíos y retiros:")
    visitor.say("a que hora abren")
    wait_for_text(visitor, "Atendemos de lunes a viernes de 9 a 18 h")
    visitor.say("quiero hablar con alguien")
    wait_for_text(visitor, "Te comunico con una persona del equipo.")
    assert conversation_status(embedded_stack, visitor, posted["conversation_id"]).get("status") == "with_agent"
