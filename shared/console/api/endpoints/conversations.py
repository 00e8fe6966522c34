"""The inbox and one conversation: history, replies, notes, tags, transfer and resolve; bulk for supervisors."""

from __future__ import annotations

from typing import Any

from shared.agents.model import TICKET_STATUSES, TICKETS, Ticket
from shared.agents.tickets import CLOSING_STATUSES
from shared.bots.limits import MAX_BUTTON_OPTIONS, MAX_BUTTON_TITLE_CHARS
from shared.console.api.fields import MAX_ID_CHARS, NOT_BLANK, ONE_LINE, Field, stored_id, text
from shared.console.api.routing import AGENT, SUPERVISOR, Call, Reply, Route
from shared.console.api.services import MAX_LONG_POLL_S
from shared.console.inbox import MAX_PAGE, VIEWS, Inbox, InboxQuery, summary
from shared.conversations.agent_messages import (
    MAX_TEXT_CHARS,
    REPLY_KINDS,
    add_private_note,
    conversation_of,
    mark_read,
    reply_as_agent,
)
from shared.conversations.back_to_bot import return_to_bot_menu
from shared.conversations.outreach import rendered
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET, media_blob_prefix, messages_collection
from shared.kernel.errors import Forbidden, InvalidInput, NotFound
from shared.kernel.limits import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TEMPLATE_PARAMETER_CHARS,
    MAX_TEMPLATE_PARAMETERS,
    bounded_tags,
)
from shared.messages.media_types import type_is_accepted
from shared.ports.document_store import Filter


def inbox(call: Call) -> dict[str, Any]:
    q = call.query
    query = InboxQuery(view=q.get("view", "assigned"), tag=q.get("tag", ""), variable=q.get("variable", ""),
                       agent=q.get("agent", ""), channel=q.get("channel", ""), ticket_status=q.get("ticket_status", ""),
                       updated_from=q.get("from", ""), updated_to=q.get("to", ""), search=q.get("search", ""),
                       since=q.get("since", ""), limit=q.get("limit", 50))
    box = Inbox(call.platform.store, call.platform.clock)
    author = call.author()
    wait = min(float(q.get("wait", 0)), MAX_LONG_POLL_S)
    if wait > 0 and query.since:
        return box.wait_for_changes(call.workspace_id, author.agent_id, author.supervises, query, wait)
    return box.list(call.workspace_id, author.agent_id, author.supervises, query)


# Served for the console to show inline; anything else is a download, so a customer's HTML or SVG never
# runs as a page of the console's origin.
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/*", "video/*", "application/pdf")


def stored_media(call: Call) -> Reply:
    """A customer's file as fetch_media stored it (the provider's own link expires or needs its credentials)."""
    conversation_id, message_id = call.params["conversation_id"], call.params["message_id"]
    conversation_of(call.platform, call.author(), conversation_id)
    entry = call.platform.store.get(messages_collection(conversation_id), message_id)
    media = ((entry or {}).get("payload") or {}).get("media") or {}
    key = media.get("blob", "") if isinstance(media, dict) else ""
    if not isinstance(key, str) or not key.startswith(media_blob_prefix(call.workspace_id, conversation_id)):
        raise NotFound(f"message {message_id!r} of this conversation has no stored file")
    try:
        data = call.platform.blobs.get(key)
    except NotFound:
        raise NotFound("the file is no longer kept (the retention policy or an erasure removed it)") from None
    declared = str(media.get("mime_type") or "").split(";")[0].strip().lower()
    inline = type_is_accepted(declared, PREVIEWABLE)
    filename = "".join(c for c in str(media.get("filename") or message_id) if c.isalnum() or c in "._- ")[:100]
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "sandbox; default-src 'none'",
               "Content-Disposition": "inline" if inline else f'attachment; filename="{filename or "file"}"'}
    return Reply(body=data, content_type=declared if inline else "application/octet-stream", headers=headers)


def _tickets_of(call: Call, conversation_id: str) -> list[Ticket]:
    docs = call.platform.store.query(TICKETS, [Filter("conversation_id", "==", conversation_id)])
    tickets = [Ticket.from_dict(d.data) for d in docs if d.data.get("workspace_id") == call.workspace_id]
    return sorted(tickets, key=lambda t: t.created_at)


def conversation(call: Call) -> dict[str, Any]:
    """The whole history: every message (customer, bot, agents, notices, notes) and every ticket's timeline,
    kept across reassignments and closings."""
    conversation_id = call.params["conversation_id"]
    data = conversation_of(call.platform, call.author(), conversation_id)
    messages = call.platform.store.query(messages_collection(conversation_id))
    log = sorted(({"message_id": d.id, **d.data} for d in messages), key=lambda m: (m.get("at", ""), m["message_id"]))
    tickets = [{"ticket_id": t.id, "status": t.status, "queue": t.queue, "agent": t.agent, "created_at": t.created_at,
                "closed_at": t.closed_at, "typification": t.typification, "timeline": list(t.history)}
               for t in _tickets_of(call, conversation_id)]
    return {**summary(conversation_id, data), "variables": (data.get("bot") or {}).get("variables") or {},
            "messages": log, "tickets": tickets}


def reply(call: Call) -> dict[str, Any]:
    b = call.body
    kind, text, payload = b.get("kind", "text"), b.get("text", ""), b.get("payload")
    if kind == "template":  # only the workspace's approved templates, whatever the client sends
        parameters = [str(p) for p in (payload or {}).get("parameters") or []]
        approved = call.services.templates.require(call.workspace_id, str((payload or {}).get("name", "")))
        text = rendered(approved.text, parameters)
        payload = {"name": approved.name, "language": approved.language, "parameters": parameters}
    message = reply_as_agent(call.platform, call.author(), call.params["conversation_id"], text,
                             client_message_id=b["client_message_id"], kind=kind,
                             payload=payload, quote=b.get("quote", ""), options=b.get("options"))
    return {"message_id": message.message_id, "created_at": message.created_at, "kind": message.kind,
            "text": message.text}


def note(call: Call) -> dict[str, Any]:
    return add_private_note(call.platform, call.author(), call.params["conversation_id"], call.body["text"],
                            client_message_id=call.body["client_message_id"])


def read(call: Call) -> dict[str, Any]:
    mark_read(call.platform, call.author(), call.params["conversation_id"])
    return {"unread": 0}


def set_tags(call: Call) -> dict[str, Any]:
    """The conversation's tags, kept in the bot's position too, so the next bot turn keeps them."""
    conversation_id = call.params["conversation_id"]
    tags = bounded_tags(call.body["tags"])
    conversation_of(call.platform, call.author(), conversation_id)
    now = call.platform.clock.now().isoformat()

    def write(tx: Any) -> None:
        current = tx.get(CONVERSATIONS, conversation_id) or {}
        position = {**(current.get("bot") or {}), "tags": tags}
        tx.set(CONVERSATIONS, conversation_id, {**current, "tags": tags, "bot": position, "updated_at": now})

    call.platform.store.run_transaction(write)
    return {"tags": tags}


def _open_ticket_of(call: Call, conversation_id: str) -> Ticket:
    data = conversation_of(call.platform, call.author(), conversation_id)
    ticket_id = data.get(OPEN_TICKET)
    if not ticket_id:
        raise InvalidInput(f"conversation {conversation_id!r} has no open ticket")
    return _ticket(call, ticket_id)


def _ticket(call: Call, ticket_id: str) -> Ticket:
    data = call.platform.store.get(TICKETS, ticket_id)
    if data is None or data.get("workspace_id") != call.workspace_id:
        raise NotFound(f"ticket {ticket_id!r} does not exist")
    return Ticket.from_dict(data)


def _check_holder(call: Call, ticket: Ticket) -> None:
    if ticket.agent != call.principal.agent_id and not call.author().supervises:
        raise Forbidden(f"ticket {ticket.id!r} is not yours; only its agent or a supervisor may change it")


def transfer(call: Call) -> dict[str, Any]:
    ticket = _open_ticket_of(call, call.params["conversation_id"])
    _check_holder(call, ticket)
    agent, queue, menu = call.body.get("agent", ""), call.body.get("queue", ""), call.body.get("bot_menu", "")
    if sum(map(bool, (agent, queue, menu))) != 1:
        raise InvalidInput("give one of agent, queue or bot_menu")
    if menu:
        replies = return_to_bot_menu(call.platform, call.author(), call.params["conversation_id"], menu)
        return {"ticket_id": ticket.id, "agent": "", "queue": "", "status": "RESOLVED", "bot_menu": menu,
                "replies": replies}
    desk = call.services.desk
    by = call.principal.agent_id
    outcome = (desk.transfer_to_agent(ticket.id, agent, by) if agent else desk.transfer_to_queue(ticket.id, queue, by))
    return {"ticket_id": outcome.ticket.id, "agent": outcome.ticket.agent, "queue": outcome.ticket.queue,
            "status": outcome.ticket.status}


def _resolve(call: Call, ticket: Ticket, status: str, typification: str) -> dict[str, Any]:
    if typification:
        typification = call.services.typifications.require(call.workspace_id, typification).name
    outcome = call.services.desk.resolve(ticket.id, call.principal.agent_id, status, typification)
    return {"ticket_id": ticket.id, "status": outcome.ticket.status, "typification": outcome.ticket.typification}


def resolve(call: Call) -> dict[str, Any]:
    ticket = _open_ticket_of(call, call.params["conversation_id"])
    _check_holder(call, ticket)
    return _resolve(call, ticket, call.body.get("status", "RESOLVED"), call.body.get("typification", ""))


def answer_invitation(call: Call) -> dict[str, Any]:
    """Invite mode: the invited agent takes the chat, or passes it to the next one."""
    data = conversation_of(call.platform, call.author(), call.params["conversation_id"])
    ticket = _ticket(call, data.get(OPEN_TICKET) or "-")
    me = call.principal.agent_id
    if ticket.invited != me:
        raise InvalidInput(f"ticket {ticket.id!r} has no invitation for you")
    desk = call.services.desk
    outcome = desk.accept_invitation(ticket.id, me) if call.body["accept"] else desk.decline_invitation(ticket.id, me)
    return {"ticket_id": ticket.id, "agent": outcome.ticket.agent, "invited": outcome.ticket.invited}


def bulk_assign(call: Call) -> dict[str, Any]:
    results = []
    for ticket_id in call.body["ticket_ids"]:
        try:
            ticket = _ticket(call, ticket_id)
            outcome = call.services.desk.transfer_to_agent(ticket.id, call.body["agent"], call.principal.agent_id)
            results.append({"ticket_id": ticket_id, "assigned": True, "agent": outcome.ticket.agent})
        except (InvalidInput, NotFound) as exc:
            results.append({"ticket_id": ticket_id, "assigned": False, "reason": str(exc)})
    return {"results": results}


def bulk_resolve(call: Call) -> dict[str, Any]:
    results = []
    for ticket_id in call.body["ticket_ids"]:
        try:
            ticket = _ticket(call, ticket_id)
            results.append({**_resolve(call, ticket, call.body.get("status", "RESOLVED"),
                                       call.body.get("typification", "")), "resolved": True})
        except (InvalidInput, NotFound) as exc:
            results.append({"ticket_id": ticket_id, "resolved": False, "reason": str(exc)})
    return {"results": results}


CLIENT_ID = Field("string", required=True, min_length=1, max_length=100,
                  description="the client's own id for this message: a retried request sends nothing twice")
CLOSING = {"status": Field("string", enum=CLOSING_STATUSES, description="RESOLVED unless said otherwise"),
           "typification": text(100, description="one of the workspace's typifications")}
TICKET_IDS = Field("array", required=True, items=stored_id(), min_length=1, max_length=100)
CONVERSATION = {"conversation_id": stored_id()}
# A transfer names exactly one of an agent, a queue or a bot menu ("" or null: not named).
ONE_TARGET = {"oneOf": [{"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                        for name in ("agent", "queue", "bot_menu")]}
# What each kind of reply needs (shared/conversations/agent_messages.py): text its words, media an https file,
# a template its approved name and language.
_KIND = {"kind": {"enum": ["media", "buttons", "template"]}}
REPLY_RULES = (
    {"if": {"required": ["kind"], "properties": _KIND},
     "else": {"required": ["text"], "properties": {"text": {"type": "string", "pattern": f"^(?:{NOT_BLANK})$"}}}},
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "media"}}},
     "then": {"required": ["payload"], "properties": {"payload": {"type": "object", "required": ["url"]}}}},
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "template"}}},
     "then": {"required": ["payload"], "properties": {"payload": {
         "type": "object", "required": ["name", "language"],
         "properties": {"name": {"type": "string", "minLength": 1}, "language": {"type": "string", "minLength": 1}}}}}},
)
TAGS = Field("array", required=True, items=Field("string", max_length=MAX_TAG_CHARS, pattern=ONE_LINE),
             max_length=MAX_TAGS, description="blank ones are dropped, repeated ones kept once")
REPLY_PAYLOAD = Field("object", description="media: {url, media_type, caption, filename}; template: {name,"
                                            " parameters}", properties={
    "url": Field("string", max_length=2048, pattern=r"https://\S+", description="the file to send (https)"),
    "media_type": Field("string", max_length=100), "caption": Field("string", max_length=1024),
    "filename": Field("string", max_length=200), "name": Field("string", max_length=80),
    "language": Field("string", max_length=20),
    "parameters": Field("array", items=Field("string", max_length=MAX_TEMPLATE_PARAMETER_CHARS),
                        max_length=MAX_TEMPLATE_PARAMETERS, description="the template's {{1}}, {{2}}... in order")})

ROUTES = [
    Route("GET", "/inbox", AGENT, "Conversations assigned, queued or (supervisors) all, filtered; long-poll with"
          " since and wait", inbox, tag="inbox",
          query={"view": Field("string", enum=VIEWS), "tag": Field("string"),
                 "variable": Field("string", pattern=r"[^=]*=[\s\S]*", pattern_says="written name=value"),
                 "agent": Field("string"), "channel": Field("string"),
                 "ticket_status": Field("string", enum=TICKET_STATUSES),
                 "from": Field("string"), "to": Field("string"), "search": Field("string"),
                 "since": Field("string", description="the cursor of a previous answer"),
                 "wait": Field("integer", minimum=0, maximum=MAX_LONG_POLL_S,
                               description="seconds to wait for a change"),
                 "limit": Field("integer", minimum=1, maximum=MAX_PAGE)}),
    Route("GET", "/conversations/{conversation_id}", AGENT, "A conversation's whole history", conversation,
          tag="conversations", params=CONVERSATION),
    Route("GET", "/conversations/{conversation_id}/media/{message_id}", AGENT, "A customer's file, as stored",
          stored_media, tag="conversations", produces="application/octet-stream",
          params={**CONVERSATION, "message_id": stored_id()}),
    Route("POST", "/conversations/{conversation_id}/replies", AGENT, "Reply to the customer", reply,
          body={"text": Field("string", max_length=MAX_TEXT_CHARS), "kind": Field("string", enum=REPLY_KINDS),
                "payload": REPLY_PAYLOAD,
                "options": Field("array", items=Field("string", max_length=MAX_BUTTON_TITLE_CHARS),
                                 max_length=MAX_BUTTON_OPTIONS, description="buttons: their titles"),
                "quote": Field("string", max_length=MAX_ID_CHARS,
                               description="the id of the customer message answered"),
                "client_message_id": CLIENT_ID}, tag="conversations", params=CONVERSATION, body_rules=REPLY_RULES),
    Route("POST", "/conversations/{conversation_id}/notes", AGENT, "A private note, never sent to the customer", note,
          body={"text": text(MAX_TEXT_CHARS, required=True), "client_message_id": CLIENT_ID},
          tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/read", AGENT, "Mark the conversation read", read,
          tag="conversations", params=CONVERSATION),
    Route("PUT", "/conversations/{conversation_id}/tags", AGENT, "Set the conversation's tags", set_tags,
          body={"tags": TAGS}, tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/transfer", AGENT, "Transfer to an agent or a queue", transfer,
          body={"agent": Field("string", max_length=100), "queue": Field("string", max_length=100),
                "bot_menu": Field("string", max_length=100, description="close the ticket; the bot shows this menu")},
          tag="conversations", params=CONVERSATION, body_rules=(ONE_TARGET,), body_required=True),
    Route("POST", "/conversations/{conversation_id}/resolve", AGENT, "Close the ticket; the bot takes over again",
          resolve, body=CLOSING, tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/invitation", AGENT, "Accept or decline the chat offered to you",
          answer_invitation, body={"accept": Field("boolean", required=True)}, tag="conversations",
          params=CONVERSATION),
    Route("POST", "/tickets/bulk_assign", SUPERVISOR, "Assign several tickets to one agent", bulk_assign,
          body={"ticket_ids": TICKET_IDS, "agent": stored_id(required=True)}, tag="conversations"),
    Route("POST", "/tickets/bulk_resolve", SUPERVISOR, "Close several tickets", bulk_resolve,
          body={"ticket_ids": TICKET_IDS, **CLOSING}, tag="conversations"),
]
