"""People take over a web chat through the whole local stack, on the embedded backends and on the emulators:
a customer asks for a person → a NEW ticket waits in the queue → an agent signs in to console_api and goes
online → the chat is assigned → the agent's reply reaches the customer's widget → transfer to another agent
→ resolve → the bot answers the customer again."""

from __future__ import annotations

import time

import httpx

from shared.agents import Agent, AgentDirectory, Queue
from shared.console.logins import Logins
from tests.support.webchat_client import Visitor

PASSWORD = "correct horse battery"
PATIENCE_S = 20.0


class ConsoleUser:
    def __init__(self, base_url: str, email: str) -> None:
        self.base = f"{base_url}/console_api"
        answer = httpx.post(f"{self.base}/login", json={"email": email, "password": PASSWORD}, timeout=10)
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    def call(self, method: str, path: str, body=None, **query) -> dict:
        answer = httpx.request(method, f"{self.base}{path}", json=body, params=query, headers=self.headers,
                               timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_for(self, predicate, **query) -> dict:
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            inbox = self.call("GET", "/inbox", **query)
            if predicate(inbox["conversations"]):
                return inbox
            time.sleep(0.1)
        raise AssertionError(f"inbox never matched: {inbox}")


def seed_team(platform) -> None:
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_queue(Queue(workspace_id="demo", name="ventas"))
    logins = Logins(platform.store, platform.clock)
    for agent_id in ("ana", "beto"):
        directory.save_agent(Agent(id=agent_id, workspace_id="demo", name=agent_id.capitalize(),
                                   email=f"{agent_id}@tienda.example", queues=("ventas",), capacity=2))
        logins.set_password("demo", agent_id, PASSWORD)


def wait_for_text(visitor: Visitor, text: str) -> dict:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        for reply in visitor.seen:
            if text in reply.get("text", ""):
                return reply
        if not visitor.poll():
            time.sleep(0.05)
    raise AssertionError(f"the customer never saw {text!r}; saw {[r.get('text') for r in visitor.seen]}")


def test_an_agent_takes_the_chat_answers_transfers_and_the_bot_comes_back(stack):
    seed_team(stack.platform)
    base = f"http://127.0.0.1:{stack.port}"
    visitor = Visitor(base)
    visitor.say("hola", name="Marta")
    wait_for_text(visitor, "Soy Sol")
    visitor.say("quiero hablar con alguien")
    wait_for_text(visitor, "Te comunico con una persona del equipo.")
    place = wait_for_text(visitor, "lugar 1 de la fila")
    assert place["sender_type"] == "system"

    ana = ConsoleUser(base, "ana@tienda.example")
    queued = ana.wait_for(lambda rows: len(rows) == 1, view="queued")["conversations"][0]
    assert queued["ticket_status"] == "NEW" and queued["contact_name"] == "Marta"
    conversation_id = queued["conversation_id"]

    assert ana.call("PUT", "/me/status", {"status": "online"})["active_tickets"]
    wait_for_text(visitor, "Ana te atenderá en un momento.")
    ana.wait_for(lambda rows: [r["conversation_id"] for r in rows] == [conversation_id], view="assigned")
    ana.call("POST", f"/conversations/{conversation_id}/replies",
             {"text": "¡Hola Marta! Soy Ana, ¿qué necesitás?", "client_message_id": "ana-1"})
    answer = wait_for_text(visitor, "Soy Ana")
    assert answer["sender_type"] == "agent"

    visitor.say("quiero cambiar una campera")
    ana.wait_for(lambda rows: rows and rows[0]["unread"] == 1, view="assigned")

    beto = ConsoleUser(base, "beto@tienda.example")
    beto.call("PUT", "/me/status", {"status": "online"})
    moved = ana.call("POST", f"/conversations/{conversation_id}/transfer", {"agent": "beto"})
    assert moved["agent"] == "beto"
    wait_for_text(visitor, "Beto te atenderá en un momento.")
    beto.call("POST", f"/conversations/{conversation_id}/replies",
              {"text": "Hola, soy Beto: te ayudo con el cambio.", "client_message_id": "beto-1"})
    wait_for_text(visitor, "soy Beto")
    assert beto.call("POST", f"/conversations/{conversation_id}/resolve", {})["status"] == "RESOLVED"

    seen = len(visitor.seen)
    visitor.say("hacen envíos?")
    assert wait_for_text(visitor, "Enviamos a todo el país")["sender_type"] == "bot"
    assert all(r.get("sender_type") == "bot" for r in visitor.seen[seen:])
    history = ana.call("GET", f"/conversations/{conversation_id}")
    said = [m["text"] for m in history["messages"] if m["sender_type"] == "user"]
    assert said[:2] == ["hola", "quiero hablar con alguien"] and "quiero cambiar una campera" in said
    assert [t["status"] for t in history["tickets"]] == ["RESOLVED"]


def test_the_local_stack_has_a_demo_team_to_sign_in_as(embedded_stack):
    from charla_local.demo_team import DEFAULT_PASSWORD

    base = f"http://127.0.0.1:{embedded_stack.port}/console_api"
    answer = httpx.post(f"{base}/login", json={"email": "sofia@demo.charla", "password": DEFAULT_PASSWORD}, timeout=10)
    assert answer.status_code == 200 and answer.json()["role"] == "supervisor"
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    board = httpx.get(f"{base}/monitor", headers=headers, timeout=10).json()
    assert {q["name"] for q in board["queues"]} == {"ventas", "postventa", "default"}
    replies = httpx.get(f"{base}/quick_replies", params={"search": "/env"}, headers=headers, timeout=10).json()
    assert [r["shortcut"] for r in replies["items"]] == ["envios"]
    assert httpx.get(f"{base}/openapi.json", timeout=10).json()["info"]["title"] == "Charla console API"
