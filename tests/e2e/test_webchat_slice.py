"""The first slice through every layer: web chat → inbound → resolve_intent → outbound → send_message
→ the web chat's replies, with each step's history in the warehouse. Runs on the embedded backends
and again on the Firestore and Pub/Sub emulators."""

from __future__ import annotations

import time

import httpx

from shared.channels.webchat_tokens import VISITOR_TOKEN_HEADER
from tests.support.webchat_client import Visitor, token_held


def base_url(stack) -> str:
    return f"http://127.0.0.1:{stack.port}"


def wait_for_rows(warehouse, table: str, predicate, count: int, timeout_s: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        rows = [r for r in warehouse.read_rows(table) if predicate(r)]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_hola_gets_the_demo_bots_greeting_and_menu(stack):
    visitor = Visitor(base_url(stack))
    visitor.say("hola", name="Ana")
    replies = visitor.wait_for_replies(2)
    assert "Ana! Soy Sol, la asistente virtual de Tienda Sol." in replies[0]["text"]
    assert replies[1]["kind"] == "menu" and replies[1]["options"][0] == "Información"
    assert [r["seq"] for r in replies] == [1, 2]


def test_a_conversation_continues_through_the_menu(stack):
    visitor = Visitor(base_url(stack))
    visitor.say("hola")
    visitor.wait_for_replies(2)
    visitor.say("1")
    visitor.wait_for_replies(3)
    visitor.say("Medios de pago")
    replies = visitor.wait_for_replies(4)
    assert replies[3]["text"] == "Aceptamos tarjetas, transferencia y efectivo."


def test_every_step_writes_its_history_through_the_warehouse(stack):
    visitor = Visitor(base_url(stack))
    posted = visitor.say("hola")
    visitor.wait_for_replies(2)
    conversation = posted["conversation_id"]
    warehouse = stack.platform.warehouse
    events = wait_for_rows(warehouse, "events", lambda r: r["conversation_id"] == conversation, 5)
    by_function = {(r["function"], r["type"]) for r in events}
    assert ("webhook_webchat", "message_received") in by_function
    assert ("resolve_intent", "session_started") in by_function
    assert ("resolve_intent", "startup") in by_function
    assert ("send_message", "message_sent") in by_function
    messages = wait_for_rows(warehouse, "messages", lambda r: r["conversation_id"] == conversation, 3)
    directions = sorted(r["direction"] for r in messages)
    assert directions == ["inbound", "outbound", "outbound"]


def test_the_same_message_posted_twice_is_answered_once(stack):
    visitor = Visitor(base_url(stack))
    first = visitor.say("hola", message_id="client-msg-0001")
    second = visitor.say("hola", message_id="client-msg-0001")
    assert first["duplicate"] is False and second["duplicate"] is True
    visitor.wait_for_replies(2)
    time.sleep(1.0)
    assert len(visitor.seen) + len(visitor.poll()) == 2


def test_bad_requests_get_a_4xx_naming_the_problem(stack):
    url = f"{base_url(stack)}/webhook_webchat"
    malformed = httpx.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and "malformed JSON" in malformed.json()["error"]
    missing = httpx.post(url, json={"site": "demo-site", "visitor_id": "visitor-0001"})
    assert missing.status_code == 400 and "text" in missing.json()["error"]
    unknown = httpx.post(url, json={"site": "nowhere", "visitor_id": "visitor-0001", "text": "hola"})
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["error"]
    huge = httpx.post(url, content=b"x" * (stack.settings.max_body_bytes + 1))
    assert huge.status_code == 413
    assert httpx.get(url, params={"site": "demo-site", "visitor_id": "visitor-0001", "after": "-1"}).status_code == 400
    assert httpx.get(f"{base_url(stack)}/no_such_function").status_code == 404


def test_healthz_and_every_function_answer_at_the_path_of_their_name(stack):
    assert httpx.get(f"{base_url(stack)}/healthz").status_code == 200
    options = httpx.options(f"{base_url(stack)}/webhook_webchat")
    assert options.status_code == 204 and options.headers["access-control-allow-origin"] == "*"
    assert VISITOR_TOKEN_HEADER.lower() in options.headers["access-control-allow-headers"].lower()


def test_a_long_poll_is_answered_as_soon_as_the_reply_is_visible(stack):
    import threading

    visitor = Visitor(base_url(stack))
    visitor.token = token_held(stack.platform.secrets, visitor)
    params = {"site": visitor.site, "visitor_id": visitor.visitor_id, "after": 0, "wait": 20}
    answer: dict = {}

    def long_poll() -> None:
        started = time.monotonic()
        answer["body"] = httpx.get(f"{base_url(stack)}/webhook_webchat", params=params, headers=visitor.headers(),
                                   timeout=30).json()
        answer["held_s"] = time.monotonic() - started

    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(0.5)  # the request is being held when the visitor writes
    visitor.say("hola")
    poller.join(timeout=30)
    assert answer["body"]["replies"], "the long poll ended without the reply"
    assert answer["held_s"] < 15, "the long poll waited out its time instead of answering at the reply"


def test_a_long_poll_with_nothing_to_say_answers_empty_after_its_wait(stack):
    visitor = Visitor(base_url(stack))
    visitor.token = token_held(stack.platform.secrets, visitor)
    params = {"site": visitor.site, "visitor_id": visitor.visitor_id, "after": 0, "wait": 0.5}
    body = httpx.get(f"{base_url(stack)}/webhook_webchat", params=params, headers=visitor.headers(), timeout=10).json()
    assert body == {"replies": [], "cursor": 0}
    too_long = httpx.get(f"{base_url(stack)}/webhook_webchat", params={**params, "wait": 600},
                         headers=visitor.headers())
    assert too_long.status_code == 400 and "wait" in too_long.json()["error"]


def test_the_demo_page_embeds_the_widget_with_one_script_tag(stack):
    page = httpx.get(f"{base_url(stack)}/")
    assert page.status_code == 200 and '<script src="/widget.js" data-site="demo-site"' in page.text
    script = httpx.get(f"{base_url(stack)}/widget.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "LONG_POLL_S" in script.text
