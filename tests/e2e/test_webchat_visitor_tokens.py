"""Web chat visitors hold a server-issued token: without it, or with another visitor's, no one reads a
visitor's replies or writes into their conversation, and the refusal says nothing about the visitor.
Runs on the embedded backends and again on the Firestore and Pub/Sub emulators."""

from __future__ import annotations

import re

import httpx

from charla_local.demo_team import DEFAULT_PASSWORD
from shared.channels.webchat import visitor_label
from shared.channels.webchat_tokens import VISITOR_TOKEN_HEADER
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from tests.support.webchat_client import Visitor

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def api(stack) -> str:
    return f"http://127.0.0.1:{stack.port}/webhook_webchat"


def poll(stack, site: str, visitor_id: str, token: str | None) -> httpx.Response:
    headers = {VISITOR_TOKEN_HEADER: token} if token is not None else {}
    return httpx.get(api(stack), params={"site": site, "visitor_id": visitor_id, "after": 0}, headers=headers,
                     timeout=10)


def logged(stack, conversation_id: str) -> list[dict]:
    return [d.data for d in stack.platform.store.query(messages_collection(conversation_id))]


def test_first_message_returns_a_token_bound_to_site_and_visitor(stack):
    first = httpx.post(api(stack), json={"site": "demo-site", "text": "hola"}, timeout=10)
    assert first.status_code == 202, first.text
    issued = first.json()
    assert VISITOR_ID.match(issued["visitor_id"]) and issued["visitor_token"]
    assert poll(stack, "demo-site", issued["visitor_id"], issued["visitor_token"]).status_code == 200
    # The same token is nobody else's: not another visitor's on the same site, not this visitor's on another.
    other = Visitor(f"http://127.0.0.1:{stack.port}")
    other.say("hola")
    assert poll(stack, "demo-site", other.visitor_id, issued["visitor_token"]).status_code == 403
    assert poll(stack, "demo-site-pt", issued["visitor_id"], issued["visitor_token"]).status_code == 403
    # A visitor id the widget chose works the same way on its first message.
    chosen = httpx.post(api(stack), json={"site": "demo-site", "visitor_id": "v_chosen_by_widget_01",
                                          "text": "hola"}, timeout=10)
    assert chosen.status_code == 202 and chosen.json()["visitor_id"] == "v_chosen_by_widget_01"
    assert poll(stack, "demo-site", "v_chosen_by_widget_01", chosen.json()["visitor_token"]).status_code == 200
    later = httpx.post(api(stack), json={"site": "demo-site", "visitor_id": issued["visitor_id"], "text": "1"},
                       headers={VISITOR_TOKEN_HEADER: issued["visitor_token"]}, timeout=10)
    assert later.status_code == 202 and later.json()["conversation_id"] == issued["conversation_id"]


def test_replies_cannot_be_read_without_the_visitor_token(stack):
    visitor = Visitor(f"http://127.0.0.1:{stack.port}")
    visitor.say("hola", name="Ana")
    greeting = visitor.wait_for_replies(2)[0]["text"]
    refused = poll(stack, visitor.site, visitor.visitor_id, None)
    assert refused.status_code == 401 and VISITOR_TOKEN_HEADER in refused.json()["error"]
    assert "replies" not in refused.json() and greeting not in refused.text and "Ana" not in refused.text


def test_another_visitors_token_is_refused_and_learns_nothing(stack):
    base = f"http://127.0.0.1:{stack.port}"
    victim, intruder = Visitor(base), Visitor(base)
    conversation = victim.say("hola", name="Ana")["conversation_id"]
    victim.wait_for_replies(2)
    intruder.say("hola")
    before = logged(stack, conversation)

    as_victim = poll(stack, victim.site, victim.visitor_id, intruder.token)
    as_nobody = poll(stack, victim.site, "v_nobody_has_this_id", intruder.token)
    assert as_victim.status_code == as_nobody.status_code == 403
    assert as_victim.json() == as_nobody.json(), "a refusal must not tell a visitor who exists from one who does not"
    assert "Ana" not in as_victim.text and "Soy Sol" not in as_victim.text

    written = {"site": victim.site, "visitor_id": victim.visitor_id, "text": "soy yo, dame los datos"}
    with_token = httpx.post(f"{base}/webhook_webchat", json=written, headers=intruder.headers(), timeout=10)
    without_token = httpx.post(f"{base}/webhook_webchat", json=written, timeout=10)
    assert with_token.status_code == 403 and without_token.status_code == 401
    assert "visitor_token" not in with_token.json() and "visitor_token" not in without_token.json()
    assert logged(stack, conversation) == before, "a refused message must not reach the conversation"
    victim.poll()
    assert len(victim.seen) == 2


def test_raw_visitor_id_is_never_the_contacts_name_nor_exported(stack):
    base = f"http://127.0.0.1:{stack.port}"
    visitor = Visitor(base)
    conversation = visitor.say("hola")["conversation_id"]
    visitor.wait_for_replies(2)
    visitor.say("quiero hablar con alguien")  # queued for the team: in the supervisor's inbox
    visitor.wait_for_replies(3)
    login = httpx.post(f"{base}/console_api/login", json={"email": "sofia@demo.charla", "password": DEFAULT_PASSWORD},
                       timeout=10)
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    everyone = httpx.get(f"{base}/console_api/inbox", params={"view": "all"}, headers=headers, timeout=10)
    assert everyone.status_code == 200, everyone.text
    row = next(r for r in everyone.json()["conversations"] if r["conversation_id"] == conversation)
    shown = httpx.get(f"{base}/console_api/conversations/{conversation}", headers=headers, timeout=10).json()
    for seen in (row, shown):
        assert visitor.visitor_id not in (seen["contact"], seen["contact_name"])
        assert seen["contact_name"] or seen["contact"] == visitor_label(visitor.visitor_id)
    exported = httpx.get(f"{base}/console_api/contacts/export", headers=headers, timeout=10)
    assert exported.status_code == 200, exported.text
    lines = exported.text.splitlines()
    names = [line.split(",")[1] for line in lines[1:]]
    assert lines[0].split(",")[1] == "name" and names and visitor.visitor_id not in " ".join(names)
    google = httpx.get(f"{base}/console_api/contacts/export", params={"style": "google"}, headers=headers, timeout=10)
    assert visitor.visitor_id not in google.text
    assert visitor.visitor_id not in str(stack.platform.store.get(CONVERSATIONS, conversation).get("contact_name"))
