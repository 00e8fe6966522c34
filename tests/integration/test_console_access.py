"""Access inside a workspace, through console_api on SQLite and on the Firestore emulator: which
conversations an agent reaches (assigned to them, waiting in their queues, or that they took part in;
supervisors and admins all), what a supervisor may do to an admin, that a workspace keeps an admin, and
that creating a user either succeeds whole or leaves nothing, without telling about other workspaces."""

from __future__ import annotations

from dataclasses import replace

from shared.agents import AgentDirectory
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from tests.integration import test_console_api as api_suite
from tests.integration.console_client import PASSWORD
from tests.integration.test_console_api import OTHER_WS, WS, customer_asks_for_a_person

console = api_suite.console  # the fixture: the same team in two workspaces, through console_api

FORBIDDEN_TO_OUTSIDERS = "is not one of yours"


def _leave_queues(platform, agent_id: str) -> None:
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_agent(replace(directory.agent(WS, agent_id), queues=()))


def _every_conversation_route(console, token: str, conversation_id: str) -> dict[str, tuple[int, dict]]:
    """Each of the conversation's routes, called by ``token``; what each answered."""
    path = f"/conversations/{conversation_id}"
    calls = {
        "history": ("GET", path, None),
        "media": ("GET", f"{path}/media/m-1", None),
        "note": ("POST", f"{path}/notes", {"text": "lo vi", "client_message_id": "peek-1"}),
        "tags": ("PUT", f"{path}/tags", {"tags": ["espiado"]}),
        "read": ("POST", f"{path}/read", None),
        "reply": ("POST", f"{path}/replies", {"text": "hola", "client_message_id": "peek-2"}),
        "transfer": ("POST", f"{path}/transfer", {"queue": "ventas"}),
        "resolve": ("POST", f"{path}/resolve", {}),
        "invitation": ("POST", f"{path}/invitation", {"accept": True}),
    }
    return {name: console.call(method, url, token, body=body) for name, (method, url, body) in calls.items()}


def test_agent_cannot_open_a_conversation_outside_their_queues(platform, console):
    conversation_id = customer_asks_for_a_person(platform)  # waits in "ventas"
    _leave_queues(platform, "ana")
    ana = console.login(f"ana@{WS}.example")
    before = platform.store.get(CONVERSATIONS, conversation_id)
    log_before = {d.id: d.data for d in platform.store.query(messages_collection(conversation_id))}

    for route, (status, body) in _every_conversation_route(console, ana, conversation_id).items():
        assert status == 403 and body["error"] == "forbidden", (route, status, body)
        assert "Cliente Secreto" not in body["message"], route
        if route != "reply":  # a reply refused says who holds the chat, as it always did
            assert FORBIDDEN_TO_OUTSIDERS in body["message"], route
    assert platform.store.get(CONVERSATIONS, conversation_id) == before
    assert {d.id: d.data for d in platform.store.query(messages_collection(conversation_id))} == log_before

    # A chat held by a colleague is not hers either, even in a queue of hers.
    beto = console.login(f"beto@{WS}.example")
    assert console.call("PUT", "/me/status", beto, body={"status": "online"})[0] == 200
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_agent(replace(directory.agent(WS, "ana"), queues=("ventas",)))
    assert platform.store.get(CONVERSATIONS, conversation_id)["agent"] == "beto"
    status, body = console.call("GET", f"/conversations/{conversation_id}", ana)
    assert status == 403 and FORBIDDEN_TO_OUTSIDERS in body["message"]
    # Her supervisor reaches it, and another workspace's admin is told it does not exist.
    assert console.call("GET", f"/conversations/{conversation_id}", console.login(f"sofi@{WS}.example"))[0] == 200
    assert console.call("GET", f"/conversations/{conversation_id}",
                        console.login(f"adri@{OTHER_WS}.example"))[0] == 404


def test_agent_reaches_a_conversation_waiting_in_their_queue(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ana = console.login(f"ana@{WS}.example")
    status, queued = console.call("GET", "/inbox", ana, view="queued")
    assert [c["conversation_id"] for c in queued["conversations"]] == [conversation_id]
    status, detail = console.call("GET", f"/conversations/{conversation_id}", ana)
    assert status == 200 and ("user", "quiero hablar con alguien") in [
        (m["sender_type"], m["text"]) for m in detail["messages"]]
    assert console.call("POST", f"/conversations/{conversation_id}/notes", ana,
                        body={"text": "la tomo yo", "client_message_id": "n-1"})[0] == 200
    assert console.call("PUT", f"/conversations/{conversation_id}/tags", ana, body={"tags": ["factura"]})[0] == 200


def test_agent_reaches_a_conversation_they_took_part_in(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ana, beto = console.login(f"ana@{WS}.example"), console.login(f"beto@{WS}.example")
    console.call("PUT", "/me/status", ana, body={"status": "online"})  # the chat is assigned to her
    assert console.call("POST", f"/conversations/{conversation_id}/replies", ana,
                        body={"text": "Hola, soy Ana", "client_message_id": "a-1"})[0] == 200
    console.call("PUT", "/me/status", beto, body={"status": "online"})
    assert console.call("POST", f"/conversations/{conversation_id}/transfer", ana, body={"agent": "beto"})[0] == 200
    _leave_queues(platform, "ana")  # not waiting for her, not hers: only her part in it remains

    status, detail = console.call("GET", f"/conversations/{conversation_id}", ana)
    assert status == 200 and ("agent", "Hola, soy Ana") in [(m["sender_type"], m["text"]) for m in detail["messages"]]
    assert console.call("POST", f"/conversations/{conversation_id}/notes", ana,
                        body={"text": "ojo: pidió factura", "client_message_id": "n-1"})[0] == 200
    # She may read and note it, but only its holder (or a supervisor) writes to the customer.
    assert console.call("POST", f"/conversations/{conversation_id}/replies", ana,
                        body={"text": "sigo yo", "client_message_id": "a-2"})[0] == 403
    assert console.call("POST", f"/conversations/{conversation_id}/resolve", beto, body={})[0] == 200
    assert console.call("GET", f"/conversations/{conversation_id}", ana)[0] == 200  # closed, still hers to read


def test_supervisor_cannot_pause_sign_out_or_edit_an_admin(platform, console):
    sofi, adri = console.login(f"sofi@{WS}.example"), console.login(f"adri@{WS}.example")
    assert console.call("PUT", "/me/status", adri, body={"status": "online"})[0] == 200
    status, body = console.call("PUT", "/agents/adri/status", sofi, body={"status": "paused", "reason": "Almuerzo"})
    assert status == 403 and body["error"] == "forbidden" and "admin" in body["message"]
    status, body = console.call("POST", "/agents/adri/logout", sofi)
    assert status == 403 and "admin" in body["message"]
    assert console.call("PATCH", "/users/adri", sofi, body={"name": "Otro"})[0] == 403
    status, me = console.call("GET", "/me", adri)
    assert status == 200 and me["status"] == "online" and me["name"] == f"Adri {WS}"
    # Agents and fellow supervisors remain theirs to pause and sign out; an admin holds everyone.
    assert console.call("PUT", "/agents/ana/status", sofi, body={"status": "paused", "reason": "Almuerzo"})[0] == 200
    assert console.call("POST", "/agents/sofi/logout", adri)[0] == 200


def test_last_admin_cannot_demote_or_disable_themself(platform, console):
    adri = console.login(f"adri@{WS}.example")
    status, body = console.call("PATCH", "/users/adri", adri, body={"role": "supervisor"})
    assert status == 400 and body["field"] == "role" and "last admin" in body["message"]
    status, body = console.call("PATCH", "/users/adri", adri, body={"enabled": False})
    assert status == 400 and body["field"] == "enabled"
    status, me = console.call("GET", "/me", adri)
    assert status == 200 and me["role"] == "admin" and me["enabled"] is True

    # With a second admin, stepping down is fine; the one left is then the last.
    assert console.call("PATCH", "/users/sofi", adri, body={"role": "admin"})[0] == 200
    status, me = console.call("PATCH", "/users/adri", adri, body={"role": "supervisor"})
    assert status == 200 and me["role"] == "supervisor"
    sofi = console.login(f"sofi@{WS}.example")
    status, body = console.call("PATCH", "/users/sofi", sofi, body={"role": "agent"})
    assert status == 400 and body["field"] == "role"


def _users(console, token: str) -> set[str]:
    return {u["id"] for u in console.call("GET", "/users", token)[1]["users"]}


def test_failed_user_creation_leaves_nothing_and_does_not_reveal_other_workspaces(platform, console):
    adri = console.login(f"adri@{WS}.example")
    users_before, queues_before = _users(console, adri), console.call("GET", "/queues", adri)[1]
    new = {"id": "caro", "name": "Caro", "email": "caro@demo.example", "queues": ["ventas"], "password": PASSWORD}

    status, body = console.call("POST", "/users", adri, body={**new, "password": "short"})
    assert status == 400 and body["field"] == "password" and "10 characters" in body["message"]
    status, body = console.call("POST", "/users", adri, body={**new, "queues": ["ventas", "nada"]})
    assert status == 404 and "nada" in body["message"]
    status, body = console.call("POST", "/users", adri, body={**new, "email": f"beto@{WS}.example"})
    assert status == 409 and f"beto@{WS}.example" in body["message"]  # one of her own users: said
    assert _users(console, adri) == users_before
    assert console.call("GET", "/queues", adri)[1] == queues_before
    assert console.call("POST", "/login", body={"email": "caro@demo.example", "password": PASSWORD})[0] == 401

    # An email that signs in to another workspace is answered as any free email is.
    taken = f"ana@{OTHER_WS}.example"
    status, elsewhere = console.call("POST", "/users", adri, body={**new, "email": taken,
                                                                   "password": "another good password"})
    status_free, free = console.call("POST", "/users", adri, body={**new, "id": "dani", "email": "dani@demo.example",
                                                                   "password": "another good password"})
    assert (status, status_free) == (200, 200)
    own = ("id", "email", "status_since")
    assert {k: v for k, v in elsewhere.items() if k not in own} == {k: v for k, v in free.items() if k not in own}
    # The other workspace's user is untouched; the new one got no login with it.
    status, session = console.call("POST", "/login", body={"email": taken, "password": PASSWORD})
    assert status == 200 and session["workspace_id"] == OTHER_WS
    status, body = console.call("POST", "/login", body={"email": taken, "password": "another good password"})
    assert status == 401 and body["message"] == "wrong email or password"
    status, session = console.call("POST", "/login", body={"email": "dani@demo.example",
                                                           "password": "another good password"})
    assert status == 200 and session["agent_id"] == "dani"
