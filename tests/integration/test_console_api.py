"""console_api through the functions-framework app, on SQLite and on the Firestore emulator: its OpenAPI
document matches what it serves; every endpoint refuses the wrong role, the wrong workspace, no session and
bad input; and agents and supervisors do their work through it."""

from __future__ import annotations

import json
import re

import pytest

from shared.agents import Agent, AgentDirectory, Queue
from shared.console.api.endpoints import all_routes
from shared.console.api.routing import PUBLIC, ROLE_RANK
from shared.console.api.services import MAX_BODY_BYTES
from shared.conversations.deliver import deliver_outbound_message
from shared.conversations.handover import hand_to_people
from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from shared.events import topics
from shared.messages.wire import AssignmentRequest, OutboundMessage
from shared.ports.event_bus import Subscription
from shared.workspaces.catalogs import PauseReason, PauseReasons, QuickReplies, QuickReply, Typification, Typifications
from shared.workspaces.directory import CHANNELS, WORKSPACES
from tests.integration.conftest import OUTBOUND_PROBE, drain
from tests.integration.console_client import PASSWORD, ConsoleClient, console_api_client, console_logins
from tests.integration.test_resolve_exactly_once import inbound

WS, OTHER_WS = "demo", "otro"
ASSIGNMENT_PROBE = Subscription(name="test-console-assignment-probe", topic=topics.ASSIGNMENT, ordered=True)
SECRET_NAME = "Cliente Secreto"  # workspace A's customer: must never show up in workspace B's answers


@pytest.fixture
def console(platform, monkeypatch):
    platform.bus.ensure_subscription(ASSIGNMENT_PROBE)
    platform.warehouse.ensure_tables()
    directory = AgentDirectory(platform.store, platform.clock)
    logins = console_logins(platform)
    for ws in (WS, OTHER_WS):
        directory.save_queue(Queue(workspace_id=ws, name="ventas"))
        for agent_id, role in (("ana", "agent"), ("beto", "agent"), ("sofi", "supervisor"), ("adri", "admin")):
            directory.save_agent(Agent(id=agent_id, workspace_id=ws, name=f"{agent_id.capitalize()} {ws}",
                                       email=f"{agent_id}@{ws}.example", role=role, queues=("ventas",),
                                       capacity=2))
            logins.set_password(ws, agent_id, PASSWORD)
        PauseReasons(platform.store, platform.clock).save(PauseReason(workspace_id=ws, label="Almuerzo"))
        Typifications(platform.store, platform.clock).save(Typification(workspace_id=ws, name="Consulta"))
        QuickReplies(platform.store, platform.clock).save(QuickReply(
            workspace_id=ws, shortcut="saludo", title="Saludo", text="¡Hola! ¿En qué te ayudo?", category="general"))
    with console_api_client(platform, monkeypatch) as client:
        yield ConsoleClient(client)


def customer_asks_for_a_person(platform, visitor: str = "visitor-0001", name: str = SECRET_NAME):
    hello = inbound(platform, "hola", f"{visitor}-1", visitor=visitor)
    hello = type(hello).from_dict({**hello.to_dict(), "contact_name": name})
    resolve_inbound_message(platform, hello)
    resolve_inbound_message(platform, inbound(platform, "quiero hablar con alguien", f"{visitor}-2", visitor=visitor))
    [request] = [AssignmentRequest.from_json(d) for d in drain(platform, ASSIGNMENT_PROBE)]
    hand_to_people(platform, request)
    drain(platform, OUTBOUND_PROBE)
    return hello.conversation_id


# -- the document and the routes agree -----------------------------------------------------------------------


def test_the_openapi_document_lists_exactly_the_served_operations(console):
    status, document = console.call("GET", "/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    served = {(r.method, r.path) for r in all_routes()}
    assert documented == served
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["x-charla-role"] in (PUBLIC, *ROLE_RANK), (method, path)
            assert {p["name"] for p in operation["parameters"] if p["in"] == "path"} == set(
                re.findall(r"\{(\w+)\}", path))
            # Every documented operation is really routed: an unsigned call is refused for its session,
            # never answered "no endpoint" or "method not allowed".
            concrete = re.sub(r"\{\w+\}", "x", path)
            status, body = console.call(method.upper(), concrete, body={})
            assert status not in (404, 405) or body.get("error") not in ("not_found", "method_not_allowed") or (
                operation["x-charla-role"] == PUBLIC), (method, path, status, body)


def test_every_signed_in_endpoint_refuses_a_caller_without_a_valid_session(console):
    for route in all_routes():
        if route.role == PUBLIC:
            continue
        path = re.sub(r"\{\w+\}", "x", route.path)
        for token in ("", "not-a-token"):
            status, body = console.call(route.method, path, token, body={})
            assert status == 401 and body["error"] == "unauthenticated", (route.method, route.path, body)


def test_every_endpoint_refuses_a_role_below_its_own(console):
    tokens = {"agent": console.login(f"ana@{WS}.example"), "supervisor": console.login(f"sofi@{WS}.example")}
    checked = 0
    for route in all_routes():
        if route.role == PUBLIC:
            continue
        for role, token in tokens.items():
            if ROLE_RANK[role] >= ROLE_RANK[route.role]:
                continue
            status, body = console.call(route.method, re.sub(r"\{\w+\}", "x", route.path), token, body={})
            assert status == 403 and body["error"] == "forbidden", (role, route.method, route.path, body)
            checked += 1
    assert checked >= 15


def _snapshot(platform, workspace_id: str) -> dict:
    collections = ["agents", "queues", "tickets", CONVERSATIONS, "quick_replies", "pause_reasons", "typifications",
                   "contacts", "console_sessions", WORKSPACES, CHANNELS, "console_logins"]
    found = {}
    for collection in collections:
        for doc in platform.store.query(collection):
            if doc.data.get("workspace_id") == workspace_id or doc.id.startswith(f"{workspace_id}:") or (
                    collection == WORKSPACES and doc.id == workspace_id):
                found[(collection, doc.id)] = doc.data
    return found


def test_no_endpoint_reads_or_changes_another_workspace(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ticket_id = platform.store.get(CONVERSATIONS, conversation_id)["ticket_id"]
    ids = {
        "conversation_id": conversation_id, "agent_id": "ana", "name": "ventas",
        "entry_id": QuickReplies(platform.store, platform.clock).list(WS)[0].id,
        "contact_id": platform.store.get(CONVERSATIONS, conversation_id)["contact_id"],
        "channel_type": "webchat", "account": "demo-site", "message_id": "in_unknown",
    }
    ana_a = console.login(f"ana@{WS}.example")  # A's agent keeps a live session: B must not end it
    before = _snapshot(platform, WS)
    before = {k: v for k, v in before.items() if k[0] != "console_sessions"}
    outsider = console.login(f"adri@{OTHER_WS}.example")  # an admin: every role check passes
    bodies = {"ticket_ids": [ticket_id], "agent": "ana", "bot": "tienda", "agents": ["ana"], "status": "online",
              "text": "hola", "tags": ["x"],
              "client_message_id": "c1", "queue": "ventas", "keep": ids["contact_id"], "other": ids["contact_id"],
              "channel": "webchat", "granted": True, "blacklisted": True, "account": "x", "template": "x",
              "accept": True, "csv": "name,phone\r\nX,+5491100000000\r\n"}
    for route in all_routes():
        if route.role == PUBLIC or route.path in ("/logout",):
            continue
        path = route.path
        for name, value in ids.items():
            path = path.replace(f"{{{name}}}", value)
        body = {k: v if not f.enum or v in f.enum else f.enum[0]
                for k, f in route.body.items() if (v := bodies.get(k, f.enum[0] if f.enum else None)) is not None}
        status, answer = console.call(route.method, path, outsider, body=body, view="all")
        text = json.dumps(answer, ensure_ascii=False)
        assert SECRET_NAME not in text and conversation_id not in text.replace(f"'{conversation_id}'", ""), (
            route.method, route.path, answer)
        if "{" in route.path and route.path.split("/")[1] in ("conversations", "contacts"):
            assert status == 404, (route.method, route.path, status, answer)
    after = {k: v for k, v in _snapshot(platform, WS).items() if k[0] != "console_sessions"}
    assert after == before
    assert console.call("GET", "/me", ana_a)[0] == 200


def test_bad_input_gets_a_400_naming_the_field(console):
    token = console.login(f"adri@{WS}.example")
    for route in all_routes():
        required = [name for name, f in route.body.items() if f.required]
        if not required or route.method in ("GET", "DELETE"):
            continue
        path = re.sub(r"\{\w+\}", "x", route.path)
        status, body = console.call(route.method, path, token if route.role != PUBLIC else "", body={})
        assert status == 400 and body["field"] == required[0], (route.method, route.path, body)
        status, body = console.call(route.method, path, token if route.role != PUBLIC else "", raw=b"{nope")
        assert status == 400 and body["field"] == "body", (route.method, route.path, body)
    status, body = console.call("PUT", "/me/status", token, body={"status": "online", "mood": "good"})
    assert status == 400 and body["field"] == "mood"
    status, body = console.call("PUT", "/me/status", token, body={"status": "asleep"})
    assert status == 400 and body["field"] == "status" and "online" in body["message"]
    status, body = console.call("POST", "/login", raw=b"x" * (MAX_BODY_BYTES + 1))
    assert status == 413
    status, body = console.call("PUT", "/me/status", token, body={"status": "paused", "reason": "siesta"})
    assert status == 400 and "Almuerzo" in body["message"]


# -- the work ------------------------------------------------------------------------------------------------


def test_an_agent_goes_online_answers_a_queued_customer_transfers_and_the_other_agent_resolves(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ana, beto, sofi = (console.login(f"{n}@{WS}.example") for n in ("ana", "beto", "sofi"))

    status, queued = console.call("GET", "/inbox", ana, view="queued")
    assert status == 200 and [c["conversation_id"] for c in queued["conversations"]] == [conversation_id]
    assert queued["conversations"][0]["contact_name"] == SECRET_NAME

    status, me = console.call("PUT", "/me/status", ana, body={"status": "online"})
    assert status == 200 and me["status"] == "online" and len(me["active_tickets"]) == 1
    status, mine = console.call("GET", "/inbox", ana, view="assigned")
    assert [c["conversation_id"] for c in mine["conversations"]] == [conversation_id]
    cursor = mine["cursor"]
    assert [m.text for m in map(OutboundMessage.from_json, drain(platform, OUTBOUND_PROBE))] == [
        f"Ana {WS} te atenderá en un momento."]

    status, _ = console.call("POST", f"/conversations/{conversation_id}/replies", ana,
                                body={"text": "¡Hola! Soy Ana.", "client_message_id": "c-1"})
    assert status == 200
    [out] = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert (out.sender_type, out.text, out.recipient) == ("agent", "¡Hola! Soy Ana.", "visitor-0001")
    status, _ = console.call("POST", f"/conversations/{conversation_id}/replies", beto,
                             body={"text": "me meto", "client_message_id": "b-1"})
    assert status == 403
    assert console.call("POST", f"/conversations/{conversation_id}/notes", ana,
                        body={"text": "pide factura A", "client_message_id": "n-1"})[0] == 200
    assert console.call("PUT", f"/conversations/{conversation_id}/tags", ana, body={"tags": ["factura"]})[0] == 200
    status, changed = console.call("GET", "/inbox", sofi, view="all", since=cursor, tag="factura")
    assert [c["conversation_id"] for c in changed["conversations"]] == [conversation_id]
    status, searched = console.call("GET", "/inbox", sofi, view="all", search="secreto")
    assert [c["conversation_id"] for c in searched["conversations"]] == [conversation_id]

    console.call("PUT", "/me/status", beto, body={"status": "online"})
    status, moved = console.call("POST", f"/conversations/{conversation_id}/transfer", ana, body={"agent": "beto"})
    assert status == 200 and moved["agent"] == "beto"
    status, resolved = console.call("POST", f"/conversations/{conversation_id}/resolve", beto,
                                    body={"typification": "consulta"})
    assert status == 200 and resolved == {"ticket_id": moved["ticket_id"], "status": "RESOLVED",
                                          "typification": "Consulta"}

    status, detail = console.call("GET", f"/conversations/{conversation_id}", sofi)
    kinds = [(m["sender_type"], m["text"]) for m in detail["messages"]]
    assert ("agent", "¡Hola! Soy Ana.") in kinds and ("note", "pide factura A") in kinds
    assert ("user", "quiero hablar con alguien") in kinds
    timeline = [step.get("status") or step.get("event") for step in detail["tickets"][0]["timeline"]]
    assert timeline[0] == "NEW" and "transferred" in timeline and timeline[-1] == "RESOLVED"
    assert detail["ticket_id"] == "" and detail["status"] == "bot"


def test_a_chat_that_leaves_a_view_is_reported_as_left_at_once(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ana, beto = console.login(f"ana@{WS}.example"), console.login(f"beto@{WS}.example")
    cursor = console.call("GET", "/inbox", beto, view="queued")[1]["cursor"]
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    status, queued = console.call("GET", "/inbox", beto, view="queued", since=cursor, wait=5)
    assert status == 200 and queued["conversations"] == [] and queued["left"] == [conversation_id]

    mine = console.call("GET", "/inbox", ana, view="assigned")[1]
    assert [c["conversation_id"] for c in mine["conversations"]] == [conversation_id] and mine["left"] == []
    console.call("PUT", "/me/status", beto, body={"status": "online"})
    console.call("POST", f"/conversations/{conversation_id}/transfer", ana, body={"agent": "beto"})
    status, after = console.call("GET", "/inbox", ana, view="assigned", since=mine["cursor"], wait=5)
    assert after["conversations"] == [] and after["left"] == [conversation_id]
    status, arrived = console.call("GET", "/inbox", beto, view="assigned", since=mine["cursor"], wait=5)
    assert [c["conversation_id"] for c in arrived["conversations"]] == [conversation_id] and arrived["left"] == []
    # Nothing changed since: the long poll waits its time out and answers empty.
    status, quiet = console.call("GET", "/inbox", ana, view="assigned", since=after["cursor"], wait=1)
    assert (quiet["conversations"], quiet["left"]) == ([], [])


def test_supervisors_watch_the_team_pause_agents_and_log_them_out(platform, console):
    customer_asks_for_a_person(platform)
    sofi, ana = console.login(f"sofi@{WS}.example"), console.login(f"ana@{WS}.example")
    status, board = console.call("GET", "/monitor", sofi)
    assert status == 200 and [q["waiting"] for q in board["queues"] if q["name"] == "ventas"] == [1]
    status, paused = console.call("PUT", "/agents/ana/status", sofi, body={"status": "paused", "reason": "almuerzo"})
    assert status == 200 and paused["pause_reason"] == "Almuerzo"
    assert console.call("POST", "/agents/ana/logout", sofi)[0] == 200
    assert console.call("GET", "/me", ana)[0] == 401


def test_admins_manage_users_queues_and_quick_replies(platform, console):
    adri = console.login(f"adri@{WS}.example")
    status, created = console.call("POST", "/users", adri, body={
        "id": "caro", "name": "Caro", "email": "caro@demo.example", "queues": ["ventas"], "password": PASSWORD})
    assert status == 200 and created["role"] == "agent"
    assert console.call("POST", "/users", adri, body={"id": "caro", "name": "Otra"})[0] == 409
    caro = console.login("caro@demo.example")
    # An edit that sends the email back unchanged (as a form does) keeps the login; a new email ends it.
    status, _ = console.call("PATCH", "/users/caro", adri, body={"name": "Carolina", "email": " Caro@demo.example"})
    assert status == 200 and console.call("GET", "/me", caro)[0] == 200
    caro = console.login("caro@demo.example")
    status, _ = console.call("PATCH", "/users/caro", adri, body={"email": "carolina@demo.example"})
    assert status == 200 and console.call("GET", "/me", caro)[0] == 401
    assert console.call("POST", "/login", body={"email": "caro@demo.example", "password": PASSWORD})[0] == 401
    status, _ = console.call("PATCH", "/users/caro", adri, body={"password": PASSWORD})
    caro = console.login("carolina@demo.example")
    status, _ = console.call("PATCH", "/users/caro", adri, body={"enabled": False})
    assert status == 200 and console.call("GET", "/me", caro)[0] == 401
    status, queue = console.call("PUT", "/queues/soporte", adri,
                                 body={"members": ["ana"], "closed_message": "Volvemos"})
    assert status == 200 and queue["members"] == ["ana"]
    status, made = console.call("POST", "/quick_replies", adri, body={
        "shortcut": "envio", "title": "Envíos", "text": "Enviamos a todo el país"})
    assert status == 200
    ana = console.login(f"ana@{WS}.example")
    status, found = console.call("GET", "/quick_replies", ana, search="/env")
    assert [q["shortcut"] for q in found["items"]] == ["envio"]
    assert console.call("DELETE", f"/quick_replies/{made['id']}", adri)[0] == 200


def test_contacts_are_found_edited_exported_imported_merged_and_a_blacklisted_one_gets_nothing(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    contact_id = platform.store.get(CONVERSATIONS, conversation_id)["contact_id"]
    ana, sofi = console.login(f"ana@{WS}.example"), console.login(f"sofi@{WS}.example")
    status, made = console.call("POST", "/contacts", ana,
                                body={"name": "Julia Pérez", "phone": "+54 9 11 5555-1234"})
    assert status == 200 and made["phone"] == "+5491155551234"
    assert console.call("POST", "/contacts", ana, body={"name": "Otra", "phone": "+5491155551234"})[0] == 409
    status, body = console.call("POST", "/contacts", ana, body={"name": "Mal", "phone": "12"})
    assert status == 400 and body["field"] == "phone"
    assert [c["id"] for c in console.call("GET", "/contacts", ana, search="perez")[1]["contacts"]] == [made["id"]]
    assert [c["id"] for c in console.call("GET", "/contacts", ana, search="1234")[1]["contacts"]] == [made["id"]]
    status, edited = console.call("PATCH", f"/contacts/{made['id']}", ana, body={"tags": ["vip"]})
    assert status == 200 and edited["tags"] == ["vip"]
    status, opted = console.call("PUT", f"/contacts/{made['id']}/opt_in", ana,
                                 body={"channel": "whatsapp", "granted": True})
    assert opted["opt_in"]["whatsapp"]["granted"] is True

    exported = console.client.get("/contacts/export", query_string={"style": "google"},
                                  headers={"Authorization": f"Bearer {sofi}"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("First Name,") and any("Julia Pérez" in line for line in lines[1:])
    status, body = console.call("POST", "/contacts/import", sofi, body={
        "csv": "name,phone\r\nBruno,+5491166660000\r\nRoto,abc\r\n"})
    assert status == 400 and body["field"] == "csv" and "line 3" in body["message"]
    assert console.call("GET", "/contacts", ana, search="bruno")[1]["contacts"] == []  # nothing half-written
    status, imported = console.call("POST", "/contacts/import", sofi,
                                    body={"csv": "name,phone\r\nBruno,+5491166660000\r\n"})
    assert status == 200 and len(imported["created"]) == 1
    status, merged = console.call("POST", "/contacts/merge", sofi,
                                  body={"keep": made["id"], "other": imported["created"][0]})
    assert status == 200 and merged["id"] == made["id"]
    assert console.call("GET", f"/contacts/{imported['created'][0]}", ana)[0] == 404
    assert console.call("DELETE", f"/contacts/{made['id']}", ana)[0] == 403

    assert console.call("PUT", f"/contacts/{contact_id}/blacklist", sofi,
                        body={"blacklisted": True, "reason": "pidió no ser contactado"})[0] == 200
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    drain(platform, OUTBOUND_PROBE)
    status, reply = console.call("POST", f"/conversations/{conversation_id}/replies", ana,
                                 body={"text": "¿Seguís ahí?", "client_message_id": "bl-1"})
    [message] = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert deliver_outbound_message(platform, platform.senders, message) == ""
    logged = platform.store.get(messages_collection(conversation_id), reply["message_id"])
    assert logged["status"] == "failed" and "blacklisted" in logged["failure_reason"]


def test_an_agent_hands_the_customer_back_to_a_bot_menu(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    ana = console.login(f"ana@{WS}.example")
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    drain(platform, OUTBOUND_PROBE)
    status, body = console.call("POST", f"/conversations/{conversation_id}/transfer", ana, body={"bot_menu": "nada"})
    assert status == 400 and "its menus: menu" in body["message"]
    status, body = console.call("POST", f"/conversations/{conversation_id}/transfer", ana, body={"bot_menu": "menu"})
    assert status == 200 and body["status"] == "RESOLVED"
    [menu] = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert menu.kind == "menu" and menu.sender_type == "bot" and menu.text.startswith("Elegí una opción:")
    conversation = platform.store.get(CONVERSATIONS, conversation_id)
    assert conversation["ticket_id"] == "" and conversation["bot"]["menu_stack"][0]["menu"] == "menu"
    follow = inbound(platform, "1", "visitor-0001-3")
    assert resolve_inbound_message(platform, follow).replies >= 1  # the bot answers the menu choice


def test_an_agent_starts_a_whatsapp_conversation_with_an_approved_template_and_holds_the_answer(platform, console):
    from shared.workspaces.catalogs import MessageTemplate, MessageTemplates
    from shared.workspaces.directory import ChannelRoute

    platform.directory.save_channel(ChannelRoute(type="whatsapp", account="1061234", workspace_id=WS, bot_id="tienda"))
    platform.directory.save_channel(ChannelRoute(type="whatsapp", account="2060000", workspace_id=OTHER_WS,
                                                 bot_id="tienda"))
    MessageTemplates(platform.store, platform.clock).save(MessageTemplate(
        workspace_id=WS, name="seguimiento_pedido", language="es_AR", text="Hola {{1}}, ¿recibiste tu pedido {{2}}?",
        parameters=2))
    ana = console.login(f"ana@{WS}.example")
    status, contact = console.call("POST", "/contacts", ana, body={"name": "Julia", "phone": "+5491155551234"})
    start = {"channel": "whatsapp", "account": "1061234", "template": "seguimiento_pedido",
             "parameters": ["Julia", "A-77"], "client_message_id": "out-1"}
    status, body = console.call("POST", f"/contacts/{contact['id']}/conversations", ana, body=start)
    assert status == 400 and "go online" in body["message"]
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    drain(platform, OUTBOUND_PROBE)
    status, body = console.call("POST", f"/contacts/{contact['id']}/conversations", ana,
                                body={**start, "template": "inventado"})
    assert status == 400 and "seguimiento_pedido" in body["message"]
    status, body = console.call("POST", f"/contacts/{contact['id']}/conversations", ana,
                                body={**start, "account": "2060000"})
    assert status == 404  # another workspace's number
    status, started = console.call("POST", f"/contacts/{contact['id']}/conversations", ana, body=start)
    assert status == 200 and started["text"] == "Hola Julia, ¿recibiste tu pedido A-77?"
    [template] = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert (template.kind, template.channel, template.recipient) == ("template", "whatsapp", "5491155551234")
    assert template.payload["name"] == "seguimiento_pedido" and template.payload["parameters"] == ["Julia", "A-77"]
    status, mine = console.call("GET", "/inbox", ana, view="assigned")
    assert [c["conversation_id"] for c in mine["conversations"]] == [started["conversation_id"]]
    status, body = console.call("POST", f"/conversations/{started['conversation_id']}/replies", ana, body={
        "kind": "template", "payload": {"name": "otro"}, "client_message_id": "t-2"})
    assert status == 400 and "not an active template" in body["message"]


def test_agents_talk_privately_and_nobody_else_reads_it(console):
    ana, beto, sofi = (console.login(f"{n}@{WS}.example") for n in ("ana", "beto", "sofi"))
    outsider = console.login(f"ana@{OTHER_WS}.example")
    status, sent = console.call("POST", "/team_chat", ana, body={"to": "beto", "text": "¿me cubrís?",
                                                                  "client_message_id": "dm-1"})
    assert status == 200
    again = console.call("POST", "/team_chat", ana, body={"to": "beto", "text": "¿me cubrís?",
                                                           "client_message_id": "dm-1"})[1]
    assert again["message_id"] == sent["message_id"]
    assert [m["text"] for m in console.call("GET", "/team_chat", beto, **{"with": "ana"})[1]["messages"]] == [
        "¿me cubrís?"]
    assert console.call("GET", "/team_chat", sofi, **{"with": "ana"})[1]["messages"] == []  # not sofi's channel
    assert console.call("GET", "/team_chat", outsider, **{"with": "beto"})[1]["messages"] == []
    assert console.call("POST", "/team_chat", outsider, body={"to": "zoe", "text": "hola",
                                                               "client_message_id": "x"})[0] == 404
    console.call("POST", "/team_chat", sofi, body={"text": "reunión 15 h", "client_message_id": "all-1"})
    assert [m["text"] for m in console.call("GET", "/team_chat", ana)[1]["messages"]] == ["reunión 15 h"]
    assert console.call("GET", "/team_chat", outsider)[1]["messages"] == []
    status, later = console.call("GET", "/team_chat", beto, since=sent["at"], wait=1, **{"with": "ana"})
    assert status == 200 and later["messages"] == []


def test_invite_mode_and_the_plans_cap_on_agents_online_through_the_console(platform, console):
    from dataclasses import replace

    adri, ana, beto = (console.login(f"{n}@{WS}.example") for n in ("adri", "ana", "beto"))
    status, queue = console.call("PUT", "/queues/ventas", adri, body={"invite_timeout_s": 60,
                                                                      "members": ["ana", "beto"]})
    assert status == 200 and queue["invite_timeout_s"] == 60
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    conversation_id = customer_asks_for_a_person(platform)
    status, offered = console.call("GET", "/inbox", ana, view="invited")
    assert [c["conversation_id"] for c in offered["conversations"]] == [conversation_id]
    assert console.call("POST", f"/conversations/{conversation_id}/invitation", beto,
                        body={"accept": True})[0] == 400  # not invited
    status, taken = console.call("POST", f"/conversations/{conversation_id}/invitation", ana, body={"accept": True})
    assert status == 200 and taken["agent"] == "ana"
    assert [c["conversation_id"] for c in console.call("GET", "/inbox", ana)[1]["conversations"]] == [conversation_id]

    workspace = platform.directory.workspace(WS)
    platform.directory.save_workspace(replace(workspace, max_online_agents=1))
    status, body = console.call("PUT", "/me/status", beto, body={"status": "online"})
    assert status == 400 and "1" in body["message"]


def test_the_dashboard_counts_this_months_messages_and_contacts(platform, console):
    from dataclasses import replace

    from shared.history.export import export_history_records
    from shared.messages.wire import HistoryRecord
    from tests.integration.conftest import HISTORY_PROBE

    platform.directory.save_workspace(replace(platform.directory.workspace(WS), messages_per_month=1000))
    drain(platform, HISTORY_PROBE)
    customer_asks_for_a_person(platform, "visitor-0001")
    customer_asks_for_a_person(platform, "visitor-0002", name="Otro")
    records = [HistoryRecord.from_json(d) for d in drain(platform, HISTORY_PROBE)]
    export_history_records(platform.warehouse, records)
    messages = sum(1 for r in records if r.table == "messages")
    status, board = console.call("GET", "/dashboard", console.login(f"sofi@{WS}.example"))
    assert status == 200 and board["messages_this_month"] == messages > 0
    assert board["messages_left"] == 1000 - messages and board["messages_in_plan"] == 1000
    assert board["unique_contacts_this_month"] == 2 and board["new_contacts_today"] == 2


def test_a_contacts_data_is_exported_on_request_and_erased_everywhere(platform, console):
    conversation_id = customer_asks_for_a_person(platform)
    contact_id = platform.store.get(CONVERSATIONS, conversation_id)["contact_id"]
    sofi, adri = console.login(f"sofi@{WS}.example"), console.login(f"adri@{WS}.example")
    exported = console.client.get(f"/contacts/{contact_id}/data", headers={"Authorization": f"Bearer {sofi}"})
    assert exported.status_code == 200, exported.get_data(as_text=True)
    assert "attachment" in exported.headers["Content-Disposition"]
    held = json.loads(exported.get_data(as_text=True))
    assert SECRET_NAME in json.dumps(held, ensure_ascii=False) and "quiero hablar con alguien" in json.dumps(
        held, ensure_ascii=False)
    assert console.call("POST", f"/contacts/{contact_id}/erase", sofi)[0] == 403  # admins only
    status, erased = console.call("POST", f"/contacts/{contact_id}/erase", adri)
    assert status == 200 and erased["contact_id"] == contact_id
    assert console.call("GET", f"/contacts/{contact_id}", sofi)[0] == 404
    assert platform.store.get(CONVERSATIONS, conversation_id) is None
    assert console.call("GET", f"/contacts/{contact_id}/data", sofi)[0] == 404


def test_the_reports_see_what_the_platform_recorded_and_download_as_csv(platform, console):
    from shared.history.export import export_history_records
    from shared.messages.wire import HistoryRecord
    from tests.integration.conftest import HISTORY_PROBE

    start = platform.clock.now().isoformat()
    conversation_id = customer_asks_for_a_person(platform)
    ana, sofi = console.login(f"ana@{WS}.example"), console.login(f"sofi@{WS}.example")
    console.call("PUT", "/me/status", ana, body={"status": "online"})
    console.call("POST", f"/conversations/{conversation_id}/replies", ana,
                 body={"text": "Hola", "client_message_id": "r1"})
    console.call("POST", f"/conversations/{conversation_id}/resolve", ana, body={"typification": "Consulta"})
    console.call("PUT", "/me/status", ana, body={"status": "paused", "reason": "Almuerzo"})
    records = [HistoryRecord.from_json(d) for d in drain(platform, HISTORY_PROBE)]
    assert any(r.row.get("type") == "agent_status_changed" and '"reason": "Almuerzo"' in (r.row.get("detail") or "")
               for r in records)
    export_history_records(platform.warehouse, records)
    window = {"from": start, "to": "2100-01-01T00:00:00+00:00"}

    status, listed = console.call("GET", "/reports", sofi)
    assert status == 200 and {"resolved_chats", "agents", "pending_chats", "funnel"} <= {
        r["name"] for r in listed["reports"]}
    status, resolved = console.call("GET", "/reports/resolved_chats", sofi, **window)
    assert status == 200 and [(r["channel"], r["chats"]) for r in resolved["rows"]] == [("webchat", 1)]
    status, agents = console.call("GET", "/reports/agents", sofi, **window)
    assert {r["agent_id"]: (r["incoming"], r["resolved"]) for r in agents["rows"]}["ana"] == (1, 1)
    csv_file = console.client.get("/reports/resolved_chats", query_string={**window, "format": "csv"},
                                  headers={"Authorization": f"Bearer {sofi}"})
    assert csv_file.status_code == 200 and csv_file.get_data(as_text=True).splitlines()[0] == "day,channel,chats"
    status, body = console.call("GET", "/reports/resolved_chats", sofi, **{**window, "from": "yesterday"})
    assert status == 400 and body["field"] == "from"
    status, body = console.call("GET", "/reports/nope", sofi, **window)
    assert status == 400 and body["field"] == "name"
    assert console.call("GET", "/reports/agents", ana, **window)[0] == 403
